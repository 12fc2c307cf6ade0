package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats-server/v2/server"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
	"github.com/customersvc/customersvc/command/eventstore/esdb/esdbtest"
)

// unusedAddr is a loopback address nothing listens on now, for a server
// the test starts there later (or never).
func unusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// natsPassword is the password of the test's NATS user: it is in NATS_URL
// and must never reach the log or an error.
const natsPassword = "s3cret-nats-password"

// startLateNATS starts, at addr, a JetStream server requiring the user
// customersvc and natsPassword.
func startLateNATS(t *testing.T, addr string) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	ns, err := server.NewServer(&server.Options{
		Host: host, Port: p, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
		Username: "customersvc", Password: natsPassword,
	})
	if err != nil {
		t.Error(err)
		return
	}
	go ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Error("late NATS did not start")
	}
}

// TestStartWaitsForEventStoreDBAndNATS: on a cold start where EventStoreDB
// and NATS come up only after the service (as with `docker compose up`),
// start-up retries each, logging every failed attempt without the
// credentials in NATS_URL, and the service then starts and serves.
func TestStartWaitsForEventStoreDBAndNATS(t *testing.T) {
	t.Parallel()
	esdbAddr, natsAddr := unusedAddr(t), unusedAddr(t)
	var logs lockedBuffer
	began := time.Now()
	go func() {
		// EventStoreDB after a second; NATS a second after start-up got
		// through to EventStoreDB, so that NATS is retried too.
		time.Sleep(time.Second)
		srv, err := esdbtest.StartAt(esdbAddr)
		if err != nil {
			t.Errorf("EventStoreDB test double: %v", err)
			return
		}
		t.Cleanup(srv.Close)
		for !strings.Contains(logs.String(), "start-up: EventStoreDB answered") {
			if time.Since(began) > time.Minute {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(time.Second)
		startLateNATS(t, natsAddr)
	}()
	svc := startServiceLogging(t, t.TempDir(), &logs, slog.LevelInfo, func(c *app.Config) {
		c.EventStoreURL = "esdb://" + esdbAddr + "?tls=false"
		c.NATSURL = "nats://customersvc:" + natsPassword + "@" + natsAddr
		c.NATSStreamMaxBytes = 0
		c.StartupTimeout = time.Minute
	})
	if took := time.Since(began); took < 2*time.Second {
		t.Errorf("started after %v, before NATS was there", took)
	}
	log := logs.String()
	for _, setting := range []string{"EVENTSTORE_URL", "NATS_URL"} {
		if n := countRetries(log, setting); n == 0 {
			t.Errorf("no retry of %s logged:\n%s", setting, log)
		}
	}
	if strings.Contains(log, natsPassword) {
		t.Errorf("the log shows NATS_URL's password:\n%s", log)
	}
	tok := token(t, "Reseller", "reseller-"+uuid.NewString())
	svc.create(t, tok, "After a cold start", uniqueVAT())
	eventually(t, 30*time.Second, func() error {
		if res := svc.do(t, "GET", "/readyz", "", nil); res.status != http.StatusOK {
			return fmt.Errorf("/readyz %d %s", res.status, res.body)
		}
		return nil
	})
}

// countRetries counts the logged failed start-up attempts on setting's
// server.
func countRetries(log, setting string) int {
	n := 0
	for line := range strings.Lines(log) {
		if strings.Contains(line, "not reachable yet; retrying") && strings.Contains(line, `"setting":"`+setting+`"`) {
			n++
		}
	}
	return n
}

// TestStartGivesUpAtStartupTimeout: with the server never there, start-up
// retries it until STARTUP_TIMEOUT and then fails in one line naming the
// setting and STARTUP_TIMEOUT, without the URL's password.
func TestStartGivesUpAtStartupTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 3 * time.Second
	for name, tc := range map[string]struct {
		setting, password string
		configure         func(c *app.Config, addr string)
	}{
		"EventStoreDB": {"EVENTSTORE_URL", "s3cret-esdb-password", func(c *app.Config, addr string) {
			c.EventStoreURL = "esdb://admin:s3cret-esdb-password@" + addr + "?tls=false"
		}},
		"NATS": {"NATS_URL", natsPassword, func(c *app.Config, addr string) {
			c.NATSURL = "nats://customersvc:" + natsPassword + "@" + addr
			c.NATSStreamMaxBytes = 0
		}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := app.DefaultConfig()
			cfg.HTTPAddr, cfg.AdminAddr, cfg.DataDir = "127.0.0.1:0", "", t.TempDir()
			cfg.AuthHS256Secret = testSecret
			cfg.StartupTimeout = timeout
			tc.configure(&cfg, unusedAddr(t))
			var logs lockedBuffer
			logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
			began := time.Now()
			svc, err := app.Start(context.Background(), cfg, logger)
			took := time.Since(began)
			if err == nil {
				_ = svc.Shutdown(context.Background())
				t.Fatalf("started without %s", name)
			}
			if took < timeout || took > timeout+5*time.Second {
				t.Errorf("gave up after %v, want STARTUP_TIMEOUT %v (and little more)", took, timeout)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.setting+": ") || !strings.Contains(msg, "STARTUP_TIMEOUT") || strings.Contains(msg, "\n") {
				t.Errorf("start-up error %q: want one line naming %s and STARTUP_TIMEOUT", msg, tc.setting)
			}
			log := logs.String()
			if n := countRetries(log, tc.setting); n < 2 {
				t.Errorf("%d failed attempts logged, want one per attempt:\n%s", n, log)
			}
			if strings.Contains(msg, tc.password) || strings.Contains(log, tc.password) {
				t.Errorf("the error or the log shows the password:\n%s\n%s", msg, log)
			}
		})
	}
}
