package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
)

const contractExample = `{
  "name": "ACME Distribution SpA",
  "description": "Main distributor for Italian and Swiss markets",
  "custom_data": {
    "vat": "IT12345678901",
    "email": "contact@acme-distribution.com",
    "region": "Italy",
    "contactPerson": "John Smith"
  }
}`

// TestPipeline follows one customer through the whole service: the 201,
// the GET at once, the list within a second, and the event on NATS.
func TestPipeline(t *testing.T) {
	t.Parallel()
	for name, store := range eventStores() {
		t.Run(name+", embedded NATS", func(t *testing.T) {
			t.Parallel()
			svc := startService(t, t.TempDir(), store(t), func(c *app.Config) { c.NATSEmbeddedListen = "127.0.0.1:0" })
			testPipeline(t, svc)
		})
		t.Run(name+", external NATS", func(t *testing.T) {
			t.Parallel()
			svc := startService(t, t.TempDir(), store(t), externalNATS(t))
			testPipeline(t, svc)
		})
	}
}

func testPipeline(t *testing.T, svc *testService) {
	nc, err := nats.Connect(svc.NATSURL())
	if err != nil {
		t.Fatalf("downstream subscriber: %v", err)
	}
	defer nc.Close()
	events := make(chan *nats.Msg, 16)
	sub, err := nc.ChanSubscribe(svc.cfg.NATSSubjectPrefix+".>", events)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	org := "reseller-" + uuid.NewString()
	tok := token(t, "Reseller", org)
	// A service on a stream that already holds events lists nothing
	// (503) until its read model has caught up with them.
	eventually(t, 10*time.Second, func() error {
		if list := svc.do(t, "GET", "/customers", tok, nil); list.status != http.StatusOK {
			return fmt.Errorf("list before the create: %d %s", list.status, list.body)
		}
		return nil
	})
	res := svc.do(t, "POST", "/customers", tok, contractExample)
	if res.status != http.StatusCreated {
		t.Fatalf("POST: %d %s", res.status, res.body)
	}
	body := res.json(t)
	data := body["data"].(map[string]any)
	id := data["id"].(string)
	if _, err := uuid.Parse(id); err != nil {
		t.Fatalf("id %q is not a UUID", id)
	}
	if got := res.header.Get("Location"); got != "/customers/"+id {
		t.Errorf("Location = %q", got)
	}
	createdAt := data["created_at"].(string)
	assertJSON(t, res.body, fmt.Sprintf(`{"code":201,"message":"customer created successfully","data":{
		"id":%q,"name":"ACME Distribution SpA","description":"Main distributor for Italian and Swiss markets",
		"custom_data":{"vat":"IT12345678901","email":"contact@acme-distribution.com","region":"Italy","contactPerson":"John Smith"},
		"branding":{"logo_url":"https://cdn.example.com/logos/org-console.png","dark_logo_url":"https://cdn.example.com/logos/org-console-dark.png"},
		"created_at":%q,"updated_at":%q}}`, id, createdAt, createdAt))

	got := svc.do(t, "GET", "/customers/"+id, tok, nil)
	if got.status != http.StatusOK {
		t.Fatalf("GET right after 201: %d %s", got.status, got.body)
	}
	wantData, _ := json.Marshal(data)
	assertJSON(t, got.body, fmt.Sprintf(`{"code":200,"message":"customer retrieved successfully","data":%s}`, wantData))

	eventually(t, time.Second, func() error {
		list := svc.do(t, "GET", "/customers", tok, nil)
		if list.status != http.StatusOK {
			return fmt.Errorf("list: %d %s", list.status, list.body)
		}
		customers := list.json(t)["data"].(map[string]any)["customers"].([]any)
		if len(customers) != 1 || customers[0].(map[string]any)["id"] != id {
			return fmt.Errorf("list: %s", list.body)
		}
		return nil
	})

	select {
	case msg := <-events:
		if msg.Subject != svc.cfg.NATSSubjectPrefix+".created" {
			t.Errorf("subject = %q", msg.Subject)
		}
		h := msg.Header
		for name, want := range map[string]string{
			"ce-specversion": "1.0", "ce-type": "customersvc.customer.created", "ce-source": "customersvc",
			"ce-subject": id, "content-type": "application/json",
		} {
			if h.Get(name) != want {
				t.Errorf("header %s = %q, want %q", name, h.Get(name), want)
			}
		}
		if h.Get("ce-id") == "" || h.Get("ce-id") != h.Get("Nats-Msg-Id") || h.Get("ce-id") != h.Get("_watermill_message_uuid") {
			t.Errorf("event id headers disagree: %v", h)
		}
		if _, err := time.Parse(time.RFC3339Nano, h.Get("ce-time")); err != nil {
			t.Errorf("ce-time %q: %v", h.Get("ce-time"), err)
		}
		var event map[string]any
		if err := json.Unmarshal(msg.Data, &event); err != nil || event["customer_id"] != id || event["vat_normalized"] != "IT12345678901" {
			t.Errorf("event body %s (%v)", msg.Data, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event on NATS")
	}
}

// TestConcurrentCreatesWithOneVAT: 200 creates racing for one VAT under
// one parent give exactly one customer.
func TestConcurrentCreatesWithOneVAT(t *testing.T) {
	t.Parallel()
	for name, store := range eventStores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testConcurrentCreatesWithOneVAT(t, startService(t, t.TempDir(), store(t)))
		})
	}
}

func testConcurrentCreatesWithOneVAT(t *testing.T, svc *testService) {
	org := "reseller-" + uuid.NewString()
	tok := token(t, "Reseller", org)
	vat := uniqueVAT()
	const n = 200
	statuses := make([]int, n)
	bodies := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := svc.do(t, "POST", "/customers", tok, map[string]any{
				"name": fmt.Sprintf("Racer %d", i), "custom_data": map[string]any{"vat": vat},
			})
			statuses[i], bodies[i] = res.status, res.body
		}()
	}
	wg.Wait()
	created, refused := 0, 0
	for i, st := range statuses {
		switch st {
		case http.StatusCreated:
			created++
		case http.StatusUnprocessableEntity:
			refused++
			assertJSON(t, bodies[i], fmt.Sprintf(`{"code":422,"message":"validation failed","data":{"type":"validation_error",
				"errors":[{"key":"custom_data.vat","message":"already_exists","value":%q}]}}`, vat))
		default:
			t.Errorf("request %d: %d %s", i, st, bodies[i])
		}
	}
	if created != 1 || refused != n-1 {
		t.Fatalf("%d created, %d refused; want 1 and %d", created, refused, n-1)
	}
	eventually(t, 5*time.Second, func() error {
		list := svc.do(t, "GET", "/customers", tok, nil).json(t)
		if total := list["data"].(map[string]any)["pagination"].(map[string]any)["total_count"]; total != 1.0 {
			return fmt.Errorf("total_count %v", total)
		}
		return nil
	})
}

// TestRestart: a second start on the same DATA_DIR keeps the data, and the
// relay resumes from its checkpoint, so no event reaches the projector
// twice as a change.
func TestRestart(t *testing.T) {
	t.Parallel()
	for name, store := range eventStores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// Without the re-publish window, so that resuming from the
			// checkpoint shows; TestRepublishWindow covers the window.
			withStore := store(t)
			testRestart(t, func(c *app.Config) { withStore(c); c.RelayRepublishWindow = 0 })
		})
	}
}

func testRestart(t *testing.T, store func(*app.Config)) {
	dir := t.TempDir()
	org := "reseller-" + uuid.NewString()
	tok := token(t, "Reseller", org)

	first := startService(t, dir, store)
	var ids []string
	for i := range 20 {
		ids = append(ids, first.create(t, tok, fmt.Sprintf("Before restart %d", i), uniqueVAT())["id"].(string))
	}
	first.stop() // a graceful stop drains the relay and the projector
	second := startService(t, dir, store)
	for _, id := range ids {
		if res := second.do(t, "GET", "/customers/"+id, tok, nil); res.status != http.StatusOK {
			t.Fatalf("GET %s after restart: %d %s", id, res.status, res.body)
		}
	}
	after := second.create(t, tok, "After restart", uniqueVAT())["id"].(string)
	eventually(t, 5*time.Second, func() error {
		list := second.do(t, "GET", "/customers?page_size=100", tok, nil).json(t)
		if total := list["data"].(map[string]any)["pagination"].(map[string]any)["total_count"]; total != 21.0 {
			return fmt.Errorf("total_count %v", total)
		}
		return nil
	})
	if applied, _ := second.ProjectionStats(); applied != 1 {
		t.Errorf("after restart the projector applied %d events as changes; want 1 (%s)", applied, after)
	}
	if published := second.RelayPublished(); published != 1 {
		t.Errorf("after restart the relay published %d events; want 1: it did not resume from its checkpoint", published)
	}
}
