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

func TestLoadConfigStreamLimits(t *testing.T) {
	t.Parallel()
	cfg, err := app.LoadConfig("test", []string{"--nats-stream-max-bytes", "2GiB"}, env(map[string]string{
		"NATS_STREAM_MAX_BYTES": "1TiB", "NATS_STREAM_MAX_AGE": "720h", "NATS_STREAM_COMPRESSION": "none",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NATSStreamMaxBytes != 2<<30 || cfg.NATSStreamMaxAge != 720*time.Hour || cfg.NATSStreamCompression != "none" {
		t.Errorf("limits not applied: %v %v %q", cfg.NATSStreamMaxBytes.String(), cfg.NATSStreamMaxAge, cfg.NATSStreamCompression)
	}
	def := app.DefaultConfig()
	if def.NATSStreamMaxBytes != 16<<30 || def.NATSStreamMaxAge != 366*24*time.Hour || def.NATSStreamCompression != "s2" {
		t.Errorf("defaults: %v %v %q", def.NATSStreamMaxBytes.String(), def.NATSStreamMaxAge, def.NATSStreamCompression)
	}
	for _, bad := range []map[string]string{
		{"NATS_STREAM_MAX_BYTES": "lots"},
		{"NATS_STREAM_MAX_BYTES": "-1"},
		{"NATS_STREAM_MAX_BYTES": "9999999TiB"},
		{"NATS_STREAM_MAX_AGE": "30s"}, // under the duplicate window
		{"NATS_STREAM_COMPRESSION": "gzip"},
	} {
		if _, err := app.LoadConfig("test", nil, env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestByteSizeRoundTrips(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]app.ByteSize{"0": 0, "512": 512, "64KiB": 64 << 10, "16 MiB": 16 << 20, "16GiB": 16 << 30, "3TiB": 3 << 40, "1536B": 1536} {
		var b app.ByteSize
		if err := b.Set(text); err != nil || b != want {
			t.Errorf("Set(%q) = %d, %v; want %d", text, b, err, want)
			continue
		}
		var again app.ByteSize
		if err := again.Set(b.String()); err != nil || again != b {
			t.Errorf("%q printed as %q, which reads back as %d, %v", text, b.String(), again, err)
		}
	}
}

// TestLoadConfigWindowsFollowTheBroker: with the embedded NATS, which syncs
// every second, the windows are short; with an external one they cover its
// default two-minute sync; given ones are kept.
func TestLoadConfigWindowsFollowTheBroker(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env                  map[string]string
		duplicate, republish time.Duration
	}{
		{map[string]string{}, time.Minute, 10 * time.Second},
		{map[string]string{"NATS_URL": "nats://broker:4222"}, 5 * time.Minute, 3 * time.Minute},
		{map[string]string{"NATS_DUPLICATE_WINDOW": "10m", "RELAY_REPUBLISH_WINDOW": "4m"}, 10 * time.Minute, 4 * time.Minute},
		{map[string]string{"RELAY_REPUBLISH_WINDOW": "3m"}, 4 * time.Minute, 3 * time.Minute},
	} {
		cfg, err := app.LoadConfig("test", nil, env(c.env))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.NATSDuplicateWindow != c.duplicate || cfg.RelayRepublishWindow != c.republish {
			t.Errorf("%v: duplicate window %s, republish window %s; want %s, %s", c.env, cfg.NATSDuplicateWindow, cfg.RelayRepublishWindow, c.duplicate, c.republish)
		}
	}
}

// TestLoadConfigExternalStreamHasNoByteLimit: an external server refuses a
// stream whose byte limit exceeds its store, so with NATS_URL the byte
// limit is only the one given.
func TestLoadConfigExternalStreamHasNoByteLimit(t *testing.T) {
	t.Parallel()
	cfg, err := app.LoadConfig("test", nil, env(map[string]string{"NATS_URL": "nats://broker:4222"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NATSStreamMaxBytes != 0 || cfg.NATSStreamMaxAge != 366*24*time.Hour {
		t.Errorf("external defaults: max bytes %s, max age %s", cfg.NATSStreamMaxBytes.String(), cfg.NATSStreamMaxAge)
	}
	cfg, err = app.LoadConfig("test", nil, env(map[string]string{"NATS_URL": "nats://broker:4222", "NATS_STREAM_MAX_BYTES": "4GiB"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NATSStreamMaxBytes != 4<<30 {
		t.Errorf("given byte limit lost: %s", cfg.NATSStreamMaxBytes.String())
	}
}

// TestLoadConfigReplicas: the settings of replicas are read, and what would
// make replicas misbehave is refused in one line naming the setting.
func TestLoadConfigReplicas(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("s", 32)
	cfg, err := app.LoadConfig("test", nil, env(map[string]string{
		"EVENTSTORE_URL": "esdb://kurrentdb:2113?tls=false", "AUTH_HS256_SECRET": secret,
		"NATS_URL": "nats://a:4222,nats://b:4222", "NATS_REPLICAS": "3", "REPLICA_NAME": "customersvc-1",
		"READMODEL_URL": "postgres://customersvc@db:5432/customers",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NATSReplicas != 3 || cfg.ReplicaName != "customersvc-1" || cfg.ReadModelURL != "postgres://customersvc@db:5432/customers" {
		t.Errorf("replica settings not applied: %+v", cfg)
	}
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"EVENTSTORE_URL": "esdb://kurrentdb:2113"}, "EVENTSTORE_URL is set but neither AUTH_HS256_SECRET nor AUTH_JWKS_URL"},
		{map[string]string{"READMODEL_URL": "mysql://db/customers"}, "READMODEL_URL must be a postgres:// URL"},
		{map[string]string{"NATS_REPLICAS": "3"}, "NATS_REPLICAS applies to an external NATS cluster"},
		{map[string]string{"NATS_URL": "nats://a:4222", "NATS_REPLICAS": "7"}, "NATS_REPLICAS must be 1 to 5"},
		{map[string]string{"NATS_REPLICAS": "three"}, "NATS_REPLICAS"},
		{map[string]string{"NATS_STREAM": "CUSTOMER.EVENTS"}, "NATS_STREAM"},
		{map[string]string{"REPLICA_NAME": "a b"}, "REPLICA_NAME"},
	} {
		_, err := app.LoadConfig("test", nil, env(c.env))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v; want an error with %q", c.env, err, c.want)
		}
	}
	// An OIDC key set is as shared as a secret.
	if _, err := app.LoadConfig("test", nil, env(map[string]string{
		"EVENTSTORE_URL": "esdb://kurrentdb:2113", "AUTH_JWKS_URL": "https://idp.example/jwks.json",
		"AUTH_ISSUER": "https://idp.example", "AUTH_AUDIENCE": "https://api.customersvc.example",
	})); err != nil {
		t.Errorf("a shared event store with a key set refused: %v", err)
	}
}
