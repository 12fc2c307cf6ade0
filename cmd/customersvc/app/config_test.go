package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	cfg, err := app.LoadConfig("test", []string{"--http-addr", "127.0.0.1:9999"}, env(map[string]string{
		"HTTP_ADDR": ":7000", "DATA_DIR": "/var/lib/customersvc", "NATS_DUPLICATE_WINDOW": "3h",
		"BRANDING_LOGO_URL": "https://brand.example/logo.png",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != "127.0.0.1:9999" {
		t.Errorf("flag did not win over the environment: %q", cfg.HTTPAddr)
	}
	if cfg.DataDir != "/var/lib/customersvc" || cfg.NATSDuplicateWindow != 3*time.Hour || cfg.BrandingLogoURL != "https://brand.example/logo.png" {
		t.Errorf("environment not applied: %+v", cfg)
	}
	if cfg.NATSStream != "CUSTOMER_EVENTS" || cfg.NATSSubjectPrefix != "customers.events" {
		t.Errorf("defaults lost: %+v", cfg)
	}
}

func TestLoadConfigReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := app.LoadConfig("test", nil, env(map[string]string{
		"HTTP_ADDR": "nonsense", "AUTH_HS256_SECRET": "short", "BRANDING_LOGO_URL": "not a url",
		"NATS_URL": "nats://x:4222", "NATS_EMBEDDED_LISTEN": ":4223",
	}))
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{"HTTP_ADDR", "AUTH_HS256_SECRET", "BRANDING_LOGO_URL", "NATS_EMBEDDED_LISTEN"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	if _, err := app.LoadConfig("test", nil, env(map[string]string{"SHUTDOWN_TIMEOUT": "soon"})); err == nil || !strings.Contains(err.Error(), "SHUTDOWN_TIMEOUT") {
		t.Errorf("bad duration: %v", err)
	}
}
