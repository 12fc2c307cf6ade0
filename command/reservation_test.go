package command_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/customersvc/customersvc/command"
	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/domain"
)

// TestIdempotencyKeyWithAnotherVATLeavesItFree is issue 14's scenario: a
// key retried with another VAT is 422, and must not leave that VAT
// reserved for the key's customer, which records another VAT.
func TestIdempotencyKeyWithAnotherVATLeavesItFree(t *testing.T) {
	t.Parallel()
	for name, newStore := range everyStore() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, _ := command.NewCreateCustomerHandler(newStore(t), domain.Branding{})
			p := newReseller()
			first := createAs(p, "First", "IT12345678901")
			first.IdempotencyKey = "key-1"
			created, err := h.Handle(t.Context(), first)
			if err != nil {
				t.Fatal(err)
			}
			other := createAs(p, "First", "DE123456789")
			other.IdempotencyKey = "key-1"
			var reused command.IdempotencyKeyReusedError
			if _, err := h.Handle(t.Context(), other); !errors.As(err, &reused) {
				t.Fatalf("same key, another VAT: %v, want 422", err)
			}
			fresh, err := h.Handle(t.Context(), createAs(p, "Fresh", "DE123456789"))
			if err != nil {
				t.Fatalf("a fresh create with the VAT of the refused retry: %v, want 201", err)
			}
			if _, err := h.Handle(t.Context(), createAs(p, "Third", "de 123 456 789")); !errors.Is(err, domain.ErrVATAlreadyUsed) {
				t.Fatalf("the VAT of %s let another in: %v", fresh.CustomerID, err)
			}
			again, err := h.Handle(t.Context(), first)
			if err != nil || !again.Replayed || again.CustomerID != created.CustomerID {
				t.Fatalf("same key, same body: %+v, %v; want the replay of %s", again, err, created.CustomerID)
			}
			if _, err := h.Handle(t.Context(), other); !errors.As(err, &reused) {
				t.Fatalf("same key, a VAT now held by another: %v, want 422", err)
			}
		})
	}
}

// TestReservationOfACustomerWithAnotherVATIsTakenOver: what concurrent
// first attempts under one key with two VATs can leave — the loser's
// reservation, held by the customer the winner created with its own VAT —
// does not block that VAT.
func TestReservationOfACustomerWithAnotherVATIsTakenOver(t *testing.T) {
	t.Parallel()
	for name, newStore := range everyStore() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := newStore(t)
			h, _ := command.NewCreateCustomerHandler(store, domain.Branding{})
			p := newReseller()
			holder, err := h.Handle(t.Context(), createAs(p, "Holder", "IT12345678901"))
			if err != nil {
				t.Fatal(err)
			}
			appendReservation(t, store, p.OrganizationID, "DE123456789", holder.CustomerID)
			if _, err := h.Handle(t.Context(), createAs(p, "Fresh", "DE123456789")); err != nil {
				t.Fatalf("a VAT reserved for a customer with another VAT: %v, want 201", err)
			}
			if _, err := h.Handle(t.Context(), createAs(p, "Third", "DE123456789")); !errors.Is(err, domain.ErrVATAlreadyUsed) {
				t.Fatalf("after the takeover: %v", err)
			}
		})
	}
}

// TestConcurrentCreatesFromSkewedReplicas: many creates with one VAT under
// one parent, through several handlers (replicas) whose clocks disagree by
// hours, on one store: exactly one succeeds, and the reservation names it.
func TestConcurrentCreatesFromSkewedReplicas(t *testing.T) {
	t.Parallel()
	for name, newStore := range everyStore() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := newStore(t)
			var replicas []*command.CreateCustomerHandler
			for _, skew := range []time.Duration{-3 * time.Hour, -90 * time.Second, 0, 90 * time.Second, 3 * time.Hour} {
				h, err := command.NewCreateCustomerHandler(store, domain.Branding{},
					command.WithClock(func() time.Time { return time.Now().Add(skew) }))
				if err != nil {
					t.Fatal(err)
				}
				replicas = append(replicas, h)
			}
			p := newReseller()
			var wg sync.WaitGroup
			var mu sync.Mutex
			var winners []string
			outcomes := map[string]int{}
			for i := range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cmd := createAs(p, "Racer", "DE123456789")
					if i%3 == 0 { // some retry-safe, some not
						cmd.IdempotencyKey = "racer-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
					}
					created, err := replicas[i%len(replicas)].Handle(context.Background(), cmd)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						outcomes["created"]++
						winners = append(winners, created.CustomerID)
					case errors.Is(err, domain.ErrVATAlreadyUsed):
						outcomes["already_exists"]++
					default:
						outcomes[err.Error()]++
					}
				}()
			}
			wg.Wait()
			if outcomes["created"] != 1 || outcomes["already_exists"] != 99 {
				t.Fatalf("outcomes %v", outcomes)
			}
			if got := reservationHolder(t, store, p.OrganizationID, "DE123456789"); got != winners[0] {
				t.Fatalf("reservation held by %s, created %s", got, winners[0])
			}
		})
	}
}

// TestSkewedClockCannotTakeOverAReservationInFlight: replica A has reserved
// the VAT and not yet written its customer; replica B's clock is an hour
// ahead. B must not take the VAT from A on the strength of the reservation
// looking an hour old. When B takes over a reservation whose customer has
// not come for the grace period by B's own clock, A — however late — cannot
// create its customer any more: one customer holds the VAT either way. A's
// retries under its idempotency key are told the VAT is taken (or 422 for
// other content).
func TestSkewedClockCannotTakeOverAReservationInFlight(t *testing.T) {
	t.Parallel()
	for name, newStore := range everyStore() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := newStore(t)
			slow := &holdFirstCustomer{Store: store, reached: make(chan string, 1), release: make(chan struct{})}
			a, _ := command.NewCreateCustomerHandler(slow, domain.Branding{})
			var ahead atomic.Int64
			ahead.Store(int64(time.Hour))
			b, _ := command.NewCreateCustomerHandler(store, domain.Branding{},
				command.WithClock(func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }))
			p := newReseller()
			type result struct {
				created command.CreatedCustomer
				err     error
			}
			fromA := make(chan result, 1)
			cmdA := createAs(p, "A", "DE123456789")
			cmdA.IdempotencyKey = "key-a"
			go func() {
				created, err := a.Handle(context.Background(), cmdA)
				fromA <- result{created, err}
			}()
			var stream string
			select {
			case stream = <-slow.reached:
			case <-time.After(10 * time.Second):
				t.Fatal("A never reached its customer's append")
			}
			if _, err := b.Handle(t.Context(), createAs(p, "B", "DE123456789")); !errors.Is(err, domain.ErrVATAlreadyUsed) {
				t.Fatalf("B, an hour ahead, while A is between its appends: %v, want already_exists", err)
			}
			ahead.Add(int64(2 * time.Minute)) // B has seen A's reservation without its customer for longer than the grace
			createdB, errB := b.Handle(t.Context(), createAs(p, "B", "DE123456789"))
			close(slow.release)
			resA := <-fromA
			live := 0
			for _, id := range []string{strings.TrimPrefix(stream, customerstream.Prefix), createdB.CustomerID} {
				if id != "" && holdsVAT(t, store, id, p.OrganizationID, "DE123456789") {
					live++
				}
			}
			if live != 1 {
				t.Fatalf("%d customers hold the VAT (A: %v, B: %v)", live, resA.err, errB)
			}
			if errB != nil || !errors.Is(resA.err, domain.ErrVATAlreadyUsed) {
				t.Fatalf("A: %v, B: %v; want B created and A already_exists", resA.err, errB)
			}
			if _, err := a.Handle(t.Context(), cmdA); !errors.Is(err, domain.ErrVATAlreadyUsed) {
				t.Fatalf("A retried under its key: %v, want already_exists", err)
			}
			changed := cmdA
			changed.Name = "A2"
			var reused command.IdempotencyKeyReusedError
			if _, err := b.Handle(t.Context(), changed); !errors.As(err, &reused) {
				t.Fatalf("A's key with other content: %v, want 422", err)
			}
		})
	}
}

// holdFirstCustomer hides the store's multi-stream append and holds the
// first append to a customer's stream until release is closed, as a
// replica paused between its two appends.
type holdFirstCustomer struct {
	eventstore.Store
	once    sync.Once
	reached chan string
	release chan struct{}
}

func (s *holdFirstCustomer) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.WriteResult, error) {
	if strings.HasPrefix(stream, customerstream.Prefix) {
		held := false
		s.once.Do(func() { held = true })
		if held {
			s.reached <- stream
			<-s.release
		}
	}
	return s.Store.Append(ctx, stream, expected, events...)
}

func appendReservation(t *testing.T, store eventstore.Store, parent, vat, holder string) {
	t.Helper()
	data, _ := json.Marshal(map[string]string{"customer_id": holder, "parent_organization_id": parent, "vat_normalized": vat})
	_, err := store.Append(t.Context(), "customer_vat-"+parent+"-"+vat, eventstore.NoStream,
		eventstore.EventData{ID: mustV7(t), Type: "VATReserved", Data: data, Metadata: []byte(`{"schema_version":1}`)})
	if err != nil {
		t.Fatal(err)
	}
}

func reservationHolder(t *testing.T, store eventstore.Store, parent, vat string) string {
	t.Helper()
	events, err := store.ReadStream(t.Context(), "customer_vat-"+parent+"-"+vat, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		CustomerID string `json:"customer_id"`
	}
	if err := json.Unmarshal(events[len(events)-1].Data, &r); err != nil {
		t.Fatal(err)
	}
	return r.CustomerID
}

// holdsVAT reports whether the customer's stream records its creation with
// that VAT under that parent.
func holdsVAT(t *testing.T, store eventstore.Store, customerID, parent, vat string) bool {
	t.Helper()
	events, err := store.ReadStream(t.Context(), customerstream.Name(customerID), 0, 1)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	if events[0].Type != domain.EventTypeCustomerCreated {
		return false
	}
	event, err := customerstream.Decode(events[0])
	if err != nil {
		t.Fatal(err)
	}
	c := event.(domain.CustomerCreated)
	return c.ParentOrganizationID == parent && c.NormalizedVAT == vat
}
