package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/projections/rebuild"
	transporthttp "github.com/customersvc/customersvc/transport/http"
	"github.com/customersvc/customersvc/transport/http/auth"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

var adminSecret = []byte("admin-test-secret-0123456789abcdef-0123")

// adminHost is the Host the admin tests send: the listen address's own.
const adminHost = "127.0.0.1:9090"

// adminToken mints a token with perms for the test secret.
func adminToken(t testing.TB, perms ...string) string {
	t.Helper()
	tok, err := auth.Mint(adminSecret, auth.MintClaims{UserID: "operator", OrganizationID: "ops", OrgRole: "Owner",
		Permissions: perms, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tok
}

// deadLettersDouble is a test double of the dead-letter stream holding
// parked event 1.
type deadLettersDouble struct {
	listErr  error
	replayed *[]uint64
}

func (d deadLettersDouble) Page(_ context.Context, after uint64, _ int) (natsx.ParkedPage, error) {
	page := natsx.ParkedPage{Total: 1, LastSequence: 1}
	if after < 1 {
		page.Parked = []natsx.Parked{{Sequence: 1, EventID: "e-1", Reason: "bad"}}
	}
	return page, d.listErr
}

func (d deadLettersDouble) Replay(_ context.Context, seq uint64) error {
	if seq != 1 {
		return natsx.ErrUnknownDeadLetter
	}
	*d.replayed = append(*d.replayed, seq)
	return nil
}

// projectionsDouble is a test double of rebuild.Manager: refused is returned
// before the rebuild starts, failed after it started and reported once.
type projectionsDouble struct {
	refused, failed error
}

func (projectionsDouble) Status(context.Context) ([]projections.ProjectionStatus, error) {
	return []projections.ProjectionStatus{{Name: "customers", Checkpoint: 5, Head: 7, Lag: 2}}, nil
}

func (p projectionsDouble) Rebuild(_ context.Context, _ string, started func(), progress func(rebuild.Progress)) error {
	if p.refused != nil {
		return p.refused
	}
	started()
	if p.failed != nil {
		return p.failed
	}
	progress(rebuild.Progress{Done: 7, Total: 7, Events: 3, CaughtUp: true})
	return nil
}

func newAdmin(t *testing.T, dl deadLettersDouble, p projectionsDouble) http.Handler {
	t.Helper()
	return newAdminLogging(t, dl, p, io.Discard)
}

func newAdminLogging(t *testing.T, dl deadLettersDouble, p projectionsDouble, logs io.Writer) http.Handler {
	t.Helper()
	if dl.replayed == nil {
		dl.replayed = new([]uint64)
	}
	h, err := transporthttp.NewAdminHandler(transporthttp.AdminDeps{Verifier: newVerifierFor(t), AllowedHosts: []string{"ops.internal"},
		DeadLetters: dl, Projections: p,
		ParkedSinceStart: func() int64 { return 3 }, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// adminDo sends an operator's request: the admin token, the listen
// address as Host.
func adminDo(t testing.TB, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	return adminDoWith(h, method, path, http.Header{"Authorization": {adminToken(t, transporthttp.AdminPermission)}})
}

// adminDoWith sends a request to the admin address with header.
func adminDoWith(h http.Handler, method, path string, header http.Header) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, nil)
	req.Host = adminHost
	for k, v := range header {
		req.Header[k] = v
	}
	if host := header.Get("Host"); host != "" {
		req.Host = host
	}
	h.ServeHTTP(rec, req)
	return rec
}

func TestAdminDeadLetters(t *testing.T) {
	t.Parallel()
	replayed := new([]uint64)
	h := newAdmin(t, deadLettersDouble{replayed: replayed}, projectionsDouble{})
	tests := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"list200", "GET", "/admin/deadletters", 200, `"data":{"parked":[{"sequence":1,"event_id":"e-1"`},
		{"listCountsSinceStart", "GET", "/admin/deadletters", 200, `"parked_since_start":3,"total":1,"limit":100,"next":null}`},
		{"listPastTheEnd", "GET", "/admin/deadletters?after=1&limit=5", 200, `"data":{"parked":[],"parked_since_start":3,"total":1,"limit":5,"next":null}`},
		{"replay200", "POST", "/admin/deadletters/1/replay", 200, `{"code":200,"message":"dead letter replayed","data":{"replayed":[1]}}`},
		{"replayAll200", "POST", "/admin/deadletters/replay", 200, `"data":{"replayed":[1]}`},
		{"replay404Unknown", "POST", "/admin/deadletters/99/replay", 404, `{"code":404,"message":"dead letter not found","data":{}}`},
		{"replay400NotASequence", "POST", "/admin/deadletters/x/replay", 400, `"errors":[{"key":"seq","message":"must_be_integer","value":"x"}]`},
		{"unknownRoute404", "GET", "/admin/nothing", 404, `{"code":404,"message":"not found","data":{}}`},
	}
	for _, tt := range tests {
		rec := adminDo(t, h, tt.method, tt.path)
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("%s: %d %s; want %d with %s", tt.name, rec.Code, rec.Body, tt.status, tt.body)
		}
	}
	if len(*replayed) != 2 {
		t.Errorf("replayed %v, want [1 1]", *replayed)
	}
}

func TestAdminDeadLetters500KeepsDetailsInTheLog(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	h := newAdminLogging(t, deadLettersDouble{listErr: errors.New("jetstream: secret detail")}, projectionsDouble{}, &logs)
	rec := adminDo(t, h, "GET", "/admin/deadletters")
	if rec.Code != 500 || rec.Body.String() != `{"code":500,"message":"internal server error","data":{}}` {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "jetstream: secret detail") {
		t.Errorf("the cause is not in the log: %s", logs.String())
	}
}

func TestAdminProjections(t *testing.T) {
	t.Parallel()
	rec := adminDo(t, newAdmin(t, deadLettersDouble{}, projectionsDouble{}), "GET", "/admin/projections")
	want := `{"code":200,"message":"projections retrieved successfully","data":{"projections":[{"name":"customers","checkpoint":5,"head":7,"lag":2}]}}`
	if rec.Code != 200 || rec.Body.String() != want {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestAdminRebuild(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		double  projectionsDouble
		status  int
		body    string
		ndjson  bool
		lastKey string
	}{
		{"refused404UnknownProjection", projectionsDouble{refused: rebuild.ErrUnknownProjection}, 404,
			`{"code":404,"message":"projection not found","data":{}}`, false, ""},
		{"refused409Running", projectionsDouble{refused: rebuild.ErrRunning}, 409,
			`{"code":409,"message":"a rebuild is already running","data":{}}`, false, ""},
		{"failsBeforeAnyReportAsALine", projectionsDouble{failed: errors.New("rebuild: event e-1: bad")}, 200,
			`{"error":"rebuild: event e-1: bad"}`, true, "error"},
		{"progressThenDone", projectionsDouble{}, 200, `"caught_up":true}` + "\n" + `{"done":true}`, true, "done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := adminDo(t, newAdmin(t, deadLettersDouble{}, tt.double), "POST", "/admin/projections/customers/rebuild")
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
				t.Fatalf("%d %s; want %d with %s", rec.Code, rec.Body, tt.status, tt.body)
			}
			if !tt.ndjson {
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/x-ndjson" {
				t.Errorf("content type %q", ct)
			}
			lines := strings.Split(strings.TrimSpace(rec.Body.String()), "\n")
			var last map[string]any
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last[tt.lastKey] == nil {
				t.Errorf("last line %q (%v), want one with %q", lines[len(lines)-1], err, tt.lastKey)
			}
		})
	}
}

// newVerifierFor is a Verifier of the admin tests' secret.
func newVerifierFor(t testing.TB) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(auth.Config{HS256Secret: adminSecret})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func recordOf(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
