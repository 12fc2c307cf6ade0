package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
	"github.com/customersvc/customersvc/command/eventstore/esdb/esdbtest"
	"github.com/customersvc/customersvc/transport/http/auth"
)

const testSecret = "component-test-secret-0123456789abcdef"

// testService is the whole service running in-process on a random port.
type testService struct {
	*app.Service
	t    *testing.T
	cfg  app.Config
	base string
}

// startService starts the service on dataDir with the embedded NATS, or
// with the NATS that CUSTOMERS_TEST_NATS_URL names when external is set.
func startService(t *testing.T, dataDir string, configure ...func(*app.Config)) *testService {
	t.Helper()
	var logs io.Writer = io.Discard
	if testing.Verbose() {
		logs = os.Stderr
	}
	return startServiceLogging(t, dataDir, logs, slog.LevelWarn, configure...)
}

// startServiceLogging starts the service with its log going to w.
func startServiceLogging(t *testing.T, dataDir string, w io.Writer, level slog.Level, configure ...func(*app.Config)) *testService {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.AdminAddr = "127.0.0.1:0"
	cfg.DataDir = dataDir
	cfg.AuthHS256Secret = testSecret
	cfg.ShutdownTimeout = 20 * time.Second
	for _, f := range configure {
		f(&cfg)
	}
	logger := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
	svc, err := app.Start(context.Background(), cfg, logger)
	if err != nil {
		t.Fatalf("start service: %v", err)
	}
	ts := &testService{Service: svc, t: t, cfg: cfg, base: "http://" + svc.Addr()}
	t.Cleanup(func() { ts.stop() })
	return ts
}

func (s *testService) stop() {
	if s.Service == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Service.Shutdown(ctx); err != nil {
		s.t.Errorf("shutdown: %v", err)
	}
	s.Service = nil
}

// externalNATS configures the service for the machine's NATS server, on a
// stream and subjects of its own so that parallel runs do not meet.
func externalNATS(t *testing.T) func(*app.Config) {
	url := os.Getenv("CUSTOMERS_TEST_NATS_URL")
	if url == "" {
		t.Skip("CUSTOMERS_TEST_NATS_URL is not set; skipping the external NATS case")
	}
	suffix := strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	stream := "CUSTOMER_EVENTS_TEST_" + suffix
	t.Cleanup(func() { removeNATSState(t, url, stream) })
	return func(c *app.Config) {
		c.NATSURL = url
		c.NATSStream = stream
		c.NATSSubjectPrefix = "test" + suffix + ".customers.events"
		c.NATSStreamMaxBytes = 0 // as LoadConfig leaves it with NATS_URL
	}
}

// removeNATSState deletes what the service keeps in NATS for stream: the
// stream, its dead letters and the relay's buckets.
func removeNATSState(t *testing.T, url, stream string) {
	nc, err := nats.Connect(url)
	if err != nil {
		t.Logf("cannot remove the test's NATS state: %v", err)
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range []string{stream, stream + "_DEADLETTER"} {
		if err := js.DeleteStream(ctx, s); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Logf("remove stream %s: %v", s, err)
		}
	}
	for _, b := range []string{stream + "_RELAY", stream + "_LEASES"} {
		if err := js.DeleteKeyValue(ctx, b); err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
			t.Logf("remove bucket %s: %v", b, err)
		}
	}
}

func token(t testing.TB, role, org string, perms ...string) string {
	t.Helper()
	if perms == nil {
		perms = auth.DefaultPermissions(strings.ToLower(role))
	}
	tok, err := auth.Mint([]byte(testSecret), auth.MintClaims{
		UserID: "user-" + org, OrganizationID: org, OrgRole: role, Permissions: perms, TTL: time.Hour,
	}, time.Now())
	if err != nil {
		t.Fatalf("mint: %v", err)
	}
	return tok
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

func (s *testService) do(t testing.TB, method, path, tok string, body any, headers ...string) response {
	t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	case []byte:
		reader = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.base+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: raw}
}

// create posts a valid customer and returns its data.
func (s *testService) create(t testing.TB, tok, name, vat string) map[string]any {
	t.Helper()
	res := s.do(t, "POST", "/customers", tok, map[string]any{
		"name": name, "description": "d " + name, "custom_data": map[string]any{"vat": vat, "region": "Italy"},
	})
	if res.status != http.StatusCreated {
		t.Fatalf("create %q: %d %s", name, res.status, res.body)
	}
	return res.json(t)["data"].(map[string]any)
}

// eventually retries check until it returns nil or the deadline passes.
func eventually(t testing.TB, within time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %v", within, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// assertJSON compares a body with the expected JSON, ignoring key order.
func assertJSON(t testing.TB, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body is not JSON: %s", got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("body\n got %s\nwant %s", gb, wb)
	}
}

// uniqueVAT returns a valid Italian VAT not used before in this process.
func uniqueVAT() string {
	return fmt.Sprintf("IT%011d", rand.Int64N(100_000_000_000))
}

// eventStores are the event stores the whole-service tests run against: the
// embedded SQLite store, the EventStoreDB adapter talking to the in-process
// test double of EventStoreDB's gRPC API, and a real EventStoreDB when
// CUSTOMERS_TEST_EVENTSTORE_URL names one.
func eventStores() map[string]func(t *testing.T) func(*app.Config) {
	return map[string]func(t *testing.T) func(*app.Config){
		"sqlite": func(*testing.T) func(*app.Config) { return func(*app.Config) {} },
		"esdb test double": func(t *testing.T) func(*app.Config) {
			srv, err := esdbtest.Start()
			if err != nil {
				t.Fatalf("EventStoreDB test double: %v", err)
			}
			t.Cleanup(srv.Close)
			return func(c *app.Config) { c.EventStoreURL = srv.URL() }
		},
		"esdb real": func(t *testing.T) func(*app.Config) {
			url := os.Getenv("CUSTOMERS_TEST_EVENTSTORE_URL")
			if url == "" {
				t.Skip("CUSTOMERS_TEST_EVENTSTORE_URL is not set; skipping the real EventStoreDB case")
			}
			return func(c *app.Config) { c.EventStoreURL = url }
		},
	}
}

func natsConn(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	return nc
}
