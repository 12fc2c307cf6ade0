package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/customersvc/customersvc/command"
	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	transporthttp "github.com/customersvc/customersvc/transport/http"
	"github.com/customersvc/customersvc/transport/http/auth"
)

var secret = []byte("http-test-secret-0123456789abcdef-0123")

// createDouble is a test double of the command side: it applies the domain
// rules and answers as the real handler would, without storing anything.
type createDouble struct {
	panics bool
}

func (d createDouble) Handle(_ context.Context, cmd command.CreateCustomer) (command.CreatedCustomer, error) {
	if d.panics {
		panic("test double panics")
	}
	c, err := domain.CreateCustomer(domain.NewCustomer{
		ID: "0192f0c4-7b9e-7a31-9d2c-3f4e5a6b7c8d", ParentOrganizationID: cmd.Principal.OrganizationID,
		Name: cmd.Name, Description: cmd.Description, CustomData: cmd.CustomData, VAT: cmd.VAT, Now: time.Now(),
	})
	if err != nil {
		return command.CreatedCustomer{}, err
	}
	return command.CreatedCustomer{CustomerCreated: c.State()}, nil
}

// queryDouble is a test double of the query side that finds nothing.
type queryDouble struct{}

func (queryDouble) Handle(context.Context, query.GetCustomer) (query.Customer, error) {
	return query.Customer{}, query.ErrNotFound
}

type listDouble struct{}

func (listDouble) Handle(_ context.Context, q query.ListCustomers) (query.Page, error) {
	return query.Page{Customers: []query.Customer{}, Page: q.Page, PageSize: q.PageSize}, q.WithDefaults().Validate()
}

func newAPI(t testing.TB, create transporthttp.CreateCustomerHandler, logs io.Writer) (http.Handler, string) {
	t.Helper()
	verifier, err := auth.NewVerifier(auth.Config{HS256Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	h, err := transporthttp.NewHandler(transporthttp.Deps{
		Verifier: verifier, CreateCustomer: create, GetCustomer: queryDouble{}, ListCustomers: listDouble{},
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.Mint(secret, auth.MintClaims{UserID: "u", OrganizationID: "org", OrgRole: "Reseller",
		Permissions: []string{"manage:customers"}, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return h, tok
}

func post(h http.Handler, tok, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/customers", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// checkDocumented fails unless the response is one the contract documents.
func checkDocumented(t testing.TB, rec *httptest.ResponseRecorder) {
	t.Helper()
	var env struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("%d with a body that is not the envelope: %q", rec.Code, rec.Body.Bytes())
	}
	if env.Code != rec.Code || env.Message == "" {
		t.Fatalf("envelope %+v under status %d", env, rec.Code)
	}
	switch rec.Code {
	case 201, 413, 415:
	case 400, 422:
		var data struct {
			Type   string `json:"type"`
			Errors []struct{ Key, Message string }
		}
		if err := json.Unmarshal(env.Data, &data); err != nil || data.Type != "validation_error" || len(data.Errors) == 0 {
			t.Fatalf("%d without the validation data: %s", rec.Code, env.Data)
		}
		for _, e := range data.Errors {
			if e.Key == "" || e.Message == "" {
				t.Fatalf("error entry without key or message: %s", env.Data)
			}
		}
	default:
		t.Fatalf("undocumented status %d: %s", rec.Code, rec.Body.Bytes())
	}
}

func FuzzCreateCustomer(f *testing.F) {
	for _, seed := range []string{
		`{"name":"ACME Distribution SpA","description":"Main distributor","custom_data":{"vat":"IT12345678901","region":"Italy"}}`,
		`{"name":"","custom_data":{"vat":""}}`, `{}`, `[]`, `null`, `"x"`, `{"name":1,"description":[],"custom_data":"vat"}`,
		`{"name":"A","custom_data":{"vat":"IT1","a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":1}}}}}}}}}`,
		`{"name":"\u0000","custom_data":{"vat":"DE 123.456.789"}}`, "{\"name\":\"\xff\"}", `{"name":"a"`,
		`{"name":"A","name":"B","custom_data":{"vat":"IT12345678901","v\u0061t":"IT1","l":[{"k":1,"k":2}]}}`,
		`{"name":"\u202eA\u200b","custom_data":{"vat":"IT12345678901"}}`,
	} {
		f.Add([]byte(seed), "application/json")
	}
	f.Add([]byte(`{}`), "text/plain")
	f.Add([]byte(`{}`), "application/problem+json; charset=utf-8")
	h, tok := newAPI(f, createDouble{}, io.Discard)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		checkDocumented(t, post(h, tok, contentType, body))
	})
}

// createSpy is a test double of the command side that counts the commands
// it is handed.
type createSpy struct {
	createDouble
	calls *atomic.Int32
}

func (s createSpy) Handle(ctx context.Context, cmd command.CreateCustomer) (command.CreatedCustomer, error) {
	s.calls.Add(1)
	return s.createDouble.Handle(ctx, cmd)
}

// TestCreate403BeforeTheBody: a principal that may not create is refused
// before its body is read, whatever is wrong with the body, and nothing
// reaches the command side.
func TestCreate403BeforeTheBody(t *testing.T) {
	t.Parallel()
	spy := createSpy{calls: new(atomic.Int32)}
	h, _ := newAPI(t, spy, io.Discard)
	for name, perms := range map[string][]string{"customer role": {"manage:customers"}, "read only": {"read:customers"}} {
		role := "Reseller"
		if name == "customer role" {
			role = "Customer"
		}
		tok, err := auth.Mint(secret, auth.MintClaims{UserID: "u", OrganizationID: "org", OrgRole: role,
			Permissions: perms, TTL: time.Hour}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{`{"name":"A","custom_data":{"vat":"IT12345678901"}}`, `not json`} {
			rec := post(h, tok, "text/plain", []byte(body))
			if rec.Code != 403 || rec.Body.String() != `{"code":403,"message":"insufficient permissions","data":{}}` {
				t.Errorf("%s, body %s: %d %s", name, body, rec.Code, rec.Body)
			}
		}
	}
	if n := spy.calls.Load(); n != 0 {
		t.Fatalf("the command side was called %d times for refused principals", n)
	}
}

func TestCreate500OnPanicWithoutStack(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h, tok := newAPI(t, createDouble{panics: true}, &logs)
	rec := post(h, tok, "application/json", []byte(`{"name":"A","custom_data":{"vat":"IT12345678901"}}`))
	if rec.Code != 500 || rec.Body.String() != `{"code":500,"message":"internal server error","data":{}}` {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "test double panics") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
	if strings.Contains(logs.String(), tok) {
		t.Errorf("the token reached the log")
	}
}

func TestCreate400CustomDataLimits(t *testing.T) {
	t.Parallel()
	h, tok := newAPI(t, createDouble{}, io.Discard)
	many := map[string]any{"vat": "IT12345678901"}
	for i := range 64 {
		many[strings.Repeat("k", i+1)] = i
	}
	deep := `{"vat":"IT12345678901","a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":[1]}}}}}}}}` // depth 9
	large := map[string]any{"vat": "IT12345678901", "blob": strings.Repeat("x", 16<<10)}
	for name, tt := range map[string]struct {
		customData any
		code       string
	}{
		"too many keys": {many, "too_many_keys"},
		"too deep":      {json.RawMessage(deep), "too_deep"},
		"too large":     {large, "too_large"},
	} {
		body, _ := json.Marshal(map[string]any{"name": "A", "custom_data": tt.customData})
		rec := post(h, tok, "application/json", body)
		want := `{"code":400,"message":"validation failed","data":{"type":"validation_error","errors":[{"key":"custom_data","message":"` + tt.code + `","value":""}]}}`
		if rec.Code != 400 || rec.Body.String() != want {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
		}
	}
	okDepth := `{"name":"A","custom_data":{"vat":"IT12345678901","a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":1}}}}}}}}}` // depth 8
	if rec := post(h, tok, "application/json", []byte(okDepth)); rec.Code != 201 {
		t.Errorf("depth 8 refused: %d %s", rec.Code, rec.Body)
	}
}

func TestRoutes404And405(t *testing.T) {
	t.Parallel()
	h, _ := newAPI(t, createDouble{}, io.Discard)
	for path, want := range map[string]string{
		"/nowhere": `{"code":404,"message":"not found","data":{}}`,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Body.String() != want {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("DELETE", "/customers", nil))
	if rec.Code != 405 || rec.Body.String() != `{"code":405,"message":"method not allowed","data":{}}` {
		t.Errorf("DELETE /customers: %d %s", rec.Code, rec.Body)
	}
}

// BenchmarkCreateCustomerRequest measures the HTTP edge of a create: token
// verification, decoding, the structural checks, the domain rules (through
// the test double) and the response, without storage.
func BenchmarkCreateCustomerRequest(b *testing.B) {
	h, tok := newAPI(b, createDouble{}, io.Discard)
	body := []byte(`{"name":"ACME Distribution SpA","description":"Main distributor for Italian and Swiss markets","custom_data":{"vat":"IT12345678901","email":"contact@acme-distribution.com","region":"Italy","contactPerson":"John Smith"}}`)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if rec := post(h, tok, "application/json", body); rec.Code != 201 {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	})
}
