package http_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	transporthttp "github.com/customersvc/customersvc/transport/http"
	"github.com/customersvc/customersvc/transport/http/auth"
)

// asOfDouble is a test double of the get handler that records the query.
type asOfDouble struct{ got *query.GetCustomer }

func (d asOfDouble) Handle(_ context.Context, q query.GetCustomer) (query.Customer, error) {
	*d.got = q
	return query.Customer{ID: q.ID, Name: "ACME"}, nil
}

// eventsDouble is a test double of the events handler: a page of one
// created event, and more to come.
type eventsDouble struct{}

func (eventsDouble) Handle(_ context.Context, q query.ListCustomerEvents) (query.EventPage, error) {
	if err := q.WithDefaults().Validate(); err != nil {
		return query.EventPage{}, err
	}
	e := domain.RecordedEvent{
		Event:         domain.CustomerCreated{CustomerID: q.ID, Name: "ACME", VATCountry: "IT", CustomData: []byte(`{"vat":"IT1"}`)},
		StreamVersion: 0, GlobalPosition: 42, RecordedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("CET", 3600)),
		RecordedBy: domain.Actor{UserID: "u", OrganizationID: "org"},
	}
	return query.EventPage{Events: []domain.RecordedEvent{e}, FromVersion: q.FromVersion, Limit: q.Limit, HasNext: true, NextFromVersion: 1}, nil
}

func newReadAPI(t *testing.T, deps transporthttp.Deps) (http.Handler, string) {
	t.Helper()
	verifier, _ := auth.NewVerifier(auth.Config{HS256Secret: secret})
	deps.Verifier, deps.CreateCustomer, deps.ListCustomers = verifier, createDouble{}, listDouble{}
	deps.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	h, err := transporthttp.NewHandler(deps)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := auth.Mint(secret, auth.MintClaims{UserID: "u", OrganizationID: "org", OrgRole: "Reseller",
		Permissions: []string{"read:customers"}, TTL: time.Hour}, time.Now())
	return h, tok
}

func get(h http.Handler, tok, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestEvents404WithoutHandler(t *testing.T) {
	t.Parallel()
	h, tok := newReadAPI(t, transporthttp.Deps{GetCustomer: queryDouble{}})
	for _, path := range []string{"/customers/x/events", "/api/customers/x/events"} {
		rec := get(h, tok, path)
		if rec.Code != 404 || rec.Body.String() != `{"code":404,"message":"not found","data":{}}` {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
}

func TestEvents200Shape(t *testing.T) {
	t.Parallel()
	h, tok := newReadAPI(t, transporthttp.Deps{GetCustomer: queryDouble{}, ListCustomerEvents: eventsDouble{}})
	want := `{"code":200,"message":"customer events retrieved successfully","data":{"events":[{"type":"CustomerCreated","schema_version":2,"stream_version":0,"global_position":42,"time":"2026-01-02T02:04:05.000000006Z","actor":{"user_id":"u","organization_id":"org"},"data":{"customer_id":"c1","parent_organization_id":"","name":"ACME","description":"","custom_data":{"vat":"IT1"},"vat":"","vat_normalized":"","vat_country":"IT","branding":{"logo_url":"","dark_logo_url":""},"created_by":{"user_id":"","organization_id":""},"created_at":"0001-01-01T00:00:00Z"}}],"pagination":{"from_version":3,"limit":1,"next_from_version":1}}}`
	for _, path := range []string{"/customers/c1/events?from_version=3&limit=1", "/api/customers/c1/events?limit=1&from_version=3"} {
		if rec := get(h, tok, path); rec.Code != 200 || rec.Body.String() != want {
			t.Errorf("%s: %d\n got %s\nwant %s", path, rec.Code, rec.Body, want)
		}
	}
	if rec := get(h, "", "/customers/c1/events"); rec.Code != 401 {
		t.Errorf("without a token: %d %s", rec.Code, rec.Body)
	}
}

func TestEvents400Params(t *testing.T) {
	t.Parallel()
	h, tok := newReadAPI(t, transporthttp.Deps{GetCustomer: queryDouble{}, ListCustomerEvents: eventsDouble{}})
	for query, want := range map[string]string{
		"?from_version=-1&limit=1001": `[{"key":"from_version","message":"min","value":"-1"},{"key":"limit","message":"max","value":"1001"}]`,
		"?limit=0":                    `[{"key":"limit","message":"min","value":"0"}]`,
		"?from_version=x&limit=1.5":   `[{"key":"from_version","message":"must_be_integer","value":"x"},{"key":"limit","message":"must_be_integer","value":"1.5"}]`,
	} {
		rec := get(h, tok, "/customers/c1/events"+query)
		if full := `{"code":400,"message":"validation failed","data":{"type":"validation_error","errors":` + want + `}}`; rec.Code != 400 || rec.Body.String() != full {
			t.Errorf("%s: %d %s", query, rec.Code, rec.Body)
		}
	}
}

func TestGetAsOf(t *testing.T) {
	t.Parallel()
	var got query.GetCustomer
	h, tok := newReadAPI(t, transporthttp.Deps{GetCustomer: asOfDouble{&got}})
	if rec := get(h, tok, "/customers/c1?as_of=2026-01-02T03:04:05.5%2B01:00"); rec.Code != 200 ||
		!got.AsOf.Equal(time.Date(2026, 1, 2, 2, 4, 5, 500_000_000, time.UTC)) || got.ID != "c1" {
		t.Errorf("as_of with offset: %d %s, query %+v", rec.Code, rec.Body, got)
	}
	for _, path := range []string{"/customers/c1", "/customers/c1?as_of="} {
		got = query.GetCustomer{AsOf: time.Now()}
		if rec := get(h, tok, path); rec.Code != 200 || !got.AsOf.IsZero() {
			t.Errorf("%s: %d, as of %v", path, rec.Code, got.AsOf)
		}
	}
	for _, bad := range []string{"yesterday", "2026-01-02", "2026-01-02T03:04:05", "2026-01-02T03:04:05 01:00"} {
		rec := get(h, tok, "/api/customers/c1?as_of="+url.QueryEscape(bad))
		want := `{"code":400,"message":"validation failed","data":{"type":"validation_error","errors":[{"key":"as_of","message":"must_be_rfc3339_time","value":"` + bad + `"}]}}`
		if rec.Code != 400 || rec.Body.String() != want {
			t.Errorf("%q: %d %s", bad, rec.Code, rec.Body)
		}
	}
}
