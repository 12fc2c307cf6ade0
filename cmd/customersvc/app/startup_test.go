package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
)

// TestStartRefusesNATSWithoutJetStream: a NATS that does not run JetStream
// is a one-line start-up error naming NATS_URL.
func TestStartRefusesNATSWithoutJetStream(t *testing.T) {
	t.Parallel()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(5e9) {
		t.Fatal("plain NATS did not start")
	}
	cfg := app.DefaultConfig()
	cfg.HTTPAddr, cfg.AdminAddr, cfg.DataDir = "127.0.0.1:0", "", t.TempDir()
	cfg.NATSURL, cfg.NATSStreamMaxBytes = ns.ClientURL(), 0
	svc, err := app.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		_ = svc.Shutdown(context.Background())
		t.Fatal("started on a NATS without JetStream")
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "NATS_URL: ") || !strings.Contains(msg, "JetStream") || strings.Contains(msg, "\n") {
		t.Errorf("start-up error %q: want one line naming NATS_URL and JetStream", msg)
	}
}

// TestStartRefusesAnUnusableReadModelURL: a READMODEL_URL where no
// PostgreSQL answers is a one-line start-up error naming the setting.
func TestStartRefusesAnUnusableReadModelURL(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close() // nothing listens there now
	cfg := app.DefaultConfig()
	cfg.HTTPAddr, cfg.AdminAddr, cfg.DataDir = "127.0.0.1:0", "", t.TempDir()
	cfg.ReadModelURL = "postgres://customersvc:s3cret-password@" + closed + "/customers?connect_timeout=5"
	svc, err := app.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		_ = svc.Shutdown(context.Background())
		t.Fatal("started on a read model nobody serves")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "READMODEL_URL: ") || strings.Contains(msg, "\n") {
		t.Errorf("start-up error %q: want one line naming READMODEL_URL", msg)
	}
	if strings.Contains(msg, "s3cret-password") {
		t.Errorf("start-up error shows the password: %q", msg)
	}
}
