package http_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	transporthttp "github.com/customersvc/customersvc/transport/http"
	"github.com/customersvc/customersvc/transport/http/auth"
)

// syncBuffer is a log destination for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func healthHandler(t *testing.T, checks map[string]func(context.Context) error, logs *syncBuffer) func() (int, string) {
	t.Helper()
	verifier, err := auth.NewVerifier(auth.Config{HS256Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	h, err := transporthttp.NewHandler(transporthttp.Deps{
		Verifier: verifier, CreateCustomer: createDouble{}, GetCustomer: queryDouble{}, ListCustomers: listDouble{},
		Checks: checks, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return func() (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
}

// TestReadyzNamesPartsNotErrors: /readyz answers part names and coarse
// states only; the errors, with hosts, users and paths, go to the log,
// without the credentials they quote.
func TestReadyzNamesPartsNotErrors(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	storeErr := errors.New(`open /var/lib/customersvc/events.db: disk I/O error; postgres://alice:hunter2@db.internal:5432/rm password=hunter3 host=10.1.2.3`)
	ready := healthHandler(t, map[string]func(context.Context) error{
		"event_store": func(context.Context) error { return storeErr },
		"read_model":  func(context.Context) error { return nil },
	}, &logs)
	status, body := ready()
	want := `{"code":503,"message":"not ready","data":{"checks":{"event_store":"down","read_model":"up"},"degraded":[],"down":["event_store"]}}`
	if status != 503 || body != want {
		t.Fatalf("%d %s\nwant %s", status, body, want)
	}
	log := logs.String()
	for _, detail := range []string{"/var/lib/customersvc/events.db", "db.internal:5432", "10.1.2.3", `"part":"event_store"`} {
		if !strings.Contains(log, detail) {
			t.Errorf("the log lacks %q: %s", detail, log)
		}
	}
	for _, secret := range []string{"hunter2", "hunter3", "alice"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q: %s", secret, log)
		}
	}
	// Probed again with the same error: no new line.
	before := strings.Count(logs.String(), "\n")
	ready()
	if after := strings.Count(logs.String(), "\n"); after != before {
		t.Errorf("the same state was logged again: %s", logs.String())
	}
}

// TestReadyzBrokerDegradedStaysReady: a Degradable part that fails is
// named degraded in a 200; a part catching up fails readiness under its
// own state; once every part is up, the log says so.
func TestReadyzBrokerDegradedStaysReady(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	var mu sync.Mutex
	brokerErr, readModelErr := error(nil), error(nil)
	get := func(e *error) func(context.Context) error {
		return func(context.Context) error { mu.Lock(); defer mu.Unlock(); return *e }
	}
	set := func(e *error, v error) { mu.Lock(); defer mu.Unlock(); *e = v }
	ready := healthHandler(t, map[string]func(context.Context) error{
		"event_store": func(context.Context) error { return nil },
		"broker":      transporthttp.Degradable(get(&brokerErr)),
		"read_model":  get(&readModelErr),
	}, &logs)

	for _, tt := range []struct {
		broker, readModel error
		status            int
		body              string
	}{
		{nil, nil, 200, `{"code":200,"message":"ready","data":{"checks":{"broker":"up","event_store":"up","read_model":"up"},"degraded":[],"down":[]}}`},
		{errors.New("nats connection RECONNECTING to nats://svc:s3cret@nats-0.nats:4222"), nil, 200,
			`{"code":200,"message":"ready","data":{"checks":{"broker":"degraded","event_store":"up","read_model":"up"},"degraded":["broker"],"down":[]}}`},
		{errors.New("relay cannot publish"), fmt.Errorf("%w: applied up to log position 3 of 9", transporthttp.ErrCatchingUp), 503,
			`{"code":503,"message":"not ready","data":{"checks":{"broker":"degraded","event_store":"up","read_model":"catching_up"},"degraded":["broker"],"down":["read_model"]}}`},
		{nil, errors.New("dial tcp 10.0.0.7:5432: connection refused"), 503,
			`{"code":503,"message":"not ready","data":{"checks":{"broker":"up","event_store":"up","read_model":"down"},"degraded":[],"down":["read_model"]}}`},
		{nil, nil, 200, `{"code":200,"message":"ready","data":{"checks":{"broker":"up","event_store":"up","read_model":"up"},"degraded":[],"down":[]}}`},
	} {
		set(&brokerErr, tt.broker)
		set(&readModelErr, tt.readModel)
		if status, body := ready(); status != tt.status || body != tt.body {
			t.Errorf("broker %v, read model %v: %d %s\nwant %d %s", tt.broker, tt.readModel, status, body, tt.status, tt.body)
		}
	}
	log := logs.String()
	for _, line := range []string{`"part":"broker","state":"degraded","error":"nats connection RECONNECTING to nats://REDACTED@nats-0.nats:4222"`,
		`"part":"read_model","state":"catching_up"`, `"error":"dial tcp 10.0.0.7:5432: connection refused"`, `part is up again","part":"broker"`} {
		if !strings.Contains(log, line) {
			t.Errorf("the log lacks %s: %s", line, log)
		}
	}
	if strings.Contains(log, "s3cret") {
		t.Errorf("a password reached the log: %s", log)
	}
}
