package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
)

const customerNotFound = `{"code":404,"message":"customer not found","data":{}}`

// TestCustomerHistory covers GET /customers/{id}/events and
// GET /customers/{id}?as_of=, both answered from the event store.
func TestCustomerHistory(t *testing.T) {
	t.Parallel()
	for name, store := range eventStores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			svc := startService(t, t.TempDir(), store(t))
			h := newHistoryFixture(t, svc)
			t.Run("events", h.testEvents)
			t.Run("as_of", h.testAsOf)
		})
	}
}

// historyFixture is one customer, created by org, and its recorded event.
type historyFixture struct {
	svc        *testService
	org, other string // the creating reseller, and another one
	tok        string // the creating reseller's token
	id         string
	recorded   historyEvent
	event      string // the customer's one event as data.events lists it
}

// historyEvent is what the store chose for an event: where and when it
// recorded it.
type historyEvent struct {
	GlobalPosition uint64    `json:"global_position"`
	Time           time.Time `json:"time"`
}

func newHistoryFixture(t *testing.T, svc *testService) *historyFixture {
	h := &historyFixture{svc: svc, org: "reseller-" + uuid.NewString(), other: "reseller-" + uuid.NewString()}
	h.tok = token(t, "Reseller", h.org)
	before := time.Now()
	created := svc.create(t, h.tok, "History SpA", "it 12345678901")
	h.id = created["id"].(string)

	res := svc.do(t, "GET", "/customers/"+h.id+"/events", h.tok, nil)
	var body struct {
		Data struct{ Events []historyEvent }
	}
	if err := json.Unmarshal(res.body, &body); err != nil || res.status != http.StatusOK || len(body.Data.Events) != 1 {
		t.Fatalf("events: %d %s", res.status, res.body)
	}
	h.recorded = body.Data.Events[0]
	if h.recorded.GlobalPosition == 0 || h.recorded.Time.Before(before.Add(-time.Second)) || h.recorded.Time.After(time.Now()) {
		t.Fatalf("recorded at position %d, time %v", h.recorded.GlobalPosition, h.recorded.Time)
	}
	h.event = fmt.Sprintf(`{"type":"CustomerCreated","schema_version":2,"stream_version":0,"global_position":%d,"time":%q,
		"actor":{"user_id":"user-%[3]s","organization_id":"%[3]s"},
		"data":{"customer_id":%[4]q,"parent_organization_id":"%[3]s","name":"History SpA","description":"d History SpA",
			"custom_data":{"vat":"it 12345678901","region":"Italy"},"vat":"it 12345678901","vat_normalized":"IT12345678901","vat_country":"IT",
			"branding":{"logo_url":"https://cdn.example.com/logos/org-console.png","dark_logo_url":"https://cdn.example.com/logos/org-console-dark.png"},
			"created_by":{"user_id":"user-%[3]s","organization_id":"%[3]s"},"created_at":%[5]q}}`,
		h.recorded.GlobalPosition, h.recorded.Time.Format(time.RFC3339Nano), h.org, h.id, created["created_at"])
	return h
}

func eventPage(events, from, limit, next string) string {
	return `{"code":200,"message":"customer events retrieved successfully","data":{"events":[` + events +
		`],"pagination":{"from_version":` + from + `,"limit":` + limit + `,"next_from_version":` + next + `}}}`
}

func (h *historyFixture) testEvents(t *testing.T) {
	events := "/customers/" + h.id + "/events"
	cases := []struct {
		name, token, path string
		status            int
		want              string // "" to check the status only
	}{
		{"events200Created", h.tok, events, 200, eventPage(h.event, "0", "100", "null")},
		{"events200Api", h.tok, "/api" + events, 200, eventPage(h.event, "0", "100", "null")},
		{"events200Limit1", h.tok, events + "?from_version=0&limit=1", 200, eventPage(h.event, "0", "1", "null")},
		{"events200Limit1000", h.tok, events + "?limit=1000", 200, eventPage(h.event, "0", "1000", "null")},
		{"events200PastTheEnd", h.tok, events + "?from_version=1", 200, eventPage("", "1", "100", "null")},
		{"events200PastTheEndLimit3", h.tok, events + "?from_version=7&limit=3", 200, eventPage("", "7", "3", "null")},
		{"events200EmptyParamsAreDefaults", h.tok, events + "?from_version=&limit=", 200, eventPage(h.event, "0", "100", "null")},
		{"events400Min", h.tok, events + "?from_version=-1&limit=0", 400,
			validation(400, fieldErr("from_version", "min", "-1"), fieldErr("limit", "min", "0"))},
		{"events400Max", h.tok, events + "?limit=1001", 400, validation(400, fieldErr("limit", "max", "1001"))},
		{"events400NotInteger", h.tok, events + "?from_version=one", 400, validation(400, fieldErr("from_version", "must_be_integer", "one"))},
		{"events404OtherTenant", token(t, "Reseller", h.other), events, 404, customerNotFound},
		{"events404OtherTenantLaterPage", token(t, "Reseller", h.other), events + "?from_version=1", 404, customerNotFound},
		{"events404OtherCustomer", token(t, "Customer", uuid.NewString()), events, 404, customerNotFound},
		{"events404Unknown", h.tok, "/customers/" + uuid.NewString() + "/events", 404, customerNotFound},
		{"events404NotAUUID", h.tok, "/customers/org_123/events", 404, customerNotFound},
		{"events200Owner", token(t, "Owner", "owner-"+uuid.NewString()), events, 200, eventPage(h.event, "0", "100", "null")},
		{"events200CustomerItself", token(t, "Customer", h.id), events, 200, eventPage(h.event, "0", "100", "null")},
		{"events403NoReadPermission", token(t, "Reseller", h.org, "profile:read"), events, 403, `{"code":403,"message":"insufficient permissions","data":{}}`},
		{"events401NoToken", "", events, 401, `{"code":401,"message":"invalid token","data":{}}`},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got := h.svc.do(t, "GET", tt.path, tt.token, nil)
			if got.status != tt.status {
				t.Fatalf("%d, want %d: %s", got.status, tt.status, got.body)
			}
			assertJSON(t, got.body, tt.want)
		})
	}
}

func (h *historyFixture) testAsOf(t *testing.T) {
	current := h.svc.do(t, "GET", "/customers/"+h.id, h.tok, nil)
	if current.status != http.StatusOK {
		t.Fatalf("GET: %d %s", current.status, current.body)
	}
	same := string(current.body)
	asOf := func(at time.Time) string {
		return "/customers/" + h.id + "?as_of=" + url.QueryEscape(at.Format(time.RFC3339Nano))
	}
	at := h.recorded.Time
	cases := []struct {
		name, token, path string
		status            int
		want              string
	}{
		{"get404AsOfBeforeCreation", h.tok, asOf(at.Add(-time.Microsecond)), 404, customerNotFound},
		{"get200AsOfRecordedTime", h.tok, asOf(at), 200, same},
		{"get200AsOfLater", h.tok, asOf(at.Add(time.Hour)), 200, same},
		{"get200AsOfWithOffset", h.tok, asOf(at.In(time.FixedZone("", -5*3600))), 200, same},
		{"get200AsOfApi", h.tok, "/api" + asOf(at), 200, same},
		{"get200AsOfOwner", token(t, "Owner", "owner-"+uuid.NewString()), asOf(at), 200, same},
		{"get404AsOfOtherTenant", token(t, "Reseller", h.other), asOf(at.Add(time.Hour)), 404, customerNotFound},
		{"get404AsOfUnknown", h.tok, "/customers/" + uuid.NewString() + "?as_of=" + url.QueryEscape(at.Format(time.RFC3339)), 404, customerNotFound},
		{"get400AsOfMalformed", h.tok, "/customers/" + h.id + "?as_of=yesterday", 400,
			validation(400, fieldErr("as_of", "must_be_rfc3339_time", "yesterday"))},
		{"get400AsOfWithoutZone", h.tok, "/customers/" + h.id + "?as_of=2026-01-02T03:04:05", 400,
			validation(400, fieldErr("as_of", "must_be_rfc3339_time", "2026-01-02T03:04:05"))},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got := h.svc.do(t, "GET", tt.path, tt.token, nil)
			if got.status != tt.status {
				t.Fatalf("%d, want %d: %s", got.status, tt.status, got.body)
			}
			assertJSON(t, got.body, tt.want)
		})
	}
}
