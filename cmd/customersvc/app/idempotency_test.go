package app_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	for name, store := range eventStores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testIdempotencyKey(t, startService(t, t.TempDir(), store(t)))
		})
	}
}

func testIdempotencyKey(t *testing.T, svc *testService) {
	org := "reseller-" + uuid.NewString()
	tok := token(t, "Reseller", org)
	key := "order-" + uuid.NewString()
	body := `{"name":"Retry SpA","custom_data":{"vat":"IT11111111111","region":"Italy"}}`

	const n = 50
	responses := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			responses[i] = svc.do(t, "POST", "/customers", tok, body, "Idempotency-Key", key)
		}()
	}
	wg.Wait()
	replayed := 0
	for i, res := range responses {
		if res.status != http.StatusCreated {
			t.Fatalf("retry %d: %d %s", i, res.status, res.body)
		}
		if string(res.body) != string(responses[0].body) {
			t.Fatalf("retry %d answered\n%s\nnot\n%s", i, res.body, responses[0].body)
		}
		if res.header.Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	if replayed != n-1 {
		t.Errorf("%d of %d answers say they were replayed, want %d", replayed, n, n-1)
	}

	// Key order and spacing of custom_data do not make it another request.
	again := svc.do(t, "POST", "/customers", tok, `{"custom_data":{"region":"Italy", "vat":"IT11111111111"},"name":"Retry SpA"}`, "Idempotency-Key", key)
	if again.status != http.StatusCreated || string(again.body) != string(responses[0].body) {
		t.Errorf("same content reordered: %d %s", again.status, again.body)
	}

	other := svc.do(t, "POST", "/customers", tok, `{"name":"Another SpA","custom_data":{"vat":"IT11111111111"}}`, "Idempotency-Key", key)
	if other.status != http.StatusUnprocessableEntity {
		t.Fatalf("same key, other body: %d %s", other.status, other.body)
	}
	assertJSON(t, other.body, validation(422, fieldErr("Idempotency-Key", "idempotency_key_reused", key)))

	otherOrg := svc.do(t, "POST", "/customers", token(t, "Reseller", "reseller-"+uuid.NewString()), body, "Idempotency-Key", key)
	if otherOrg.status != http.StatusCreated || otherOrg.json(t)["data"].(map[string]any)["id"] == responses[0].json(t)["data"].(map[string]any)["id"] {
		t.Errorf("the same key from another organization is another customer: %d %s", otherOrg.status, otherOrg.body)
	}

	bad := svc.do(t, "POST", "/customers", tok, body, "Idempotency-Key", "has space")
	assertJSON(t, bad.body, validation(400, fieldErr("Idempotency-Key", "invalid", "has space")))

	eventually(t, 2*time.Second, func() error {
		if _, p := listOf(t, svc, tok, ""); p["total_count"] != 1.0 {
			return fmt.Errorf("%v customers, want 1", p["total_count"])
		}
		return nil
	})
}
