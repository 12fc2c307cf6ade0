package command_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command"
	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/command/eventstore/sqlite"
	"github.com/customersvc/customersvc/domain"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "events.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// oneStreamAtATime is a test double: it hides the store's atomic
// multi-stream append, as EventStoreDB's client has none, so the handler
// takes the reserve-then-create path.
type oneStreamAtATime struct{ eventstore.Store }

var reseller = domain.Principal{UserID: "u1", OrganizationID: "reseller-1", Role: domain.RoleReseller,
	Permissions: []string{domain.PermissionManageCustomers}}

func createCmd(name, vat string) command.CreateCustomer {
	return createAs(reseller, name, vat)
}

// newReseller is a reseller organization no other test uses, so that tests
// on a store shared with others (a real server) meet only their own VATs
// and idempotency keys.
func newReseller() domain.Principal {
	p := reseller
	p.OrganizationID = "reseller-" + uuid.NewString()
	return p
}

func createAs(p domain.Principal, name, vat string) command.CreateCustomer {
	data, _ := json.Marshal(map[string]string{"vat": vat})
	return command.CreateCustomer{Principal: p, Name: name, CustomData: data, VAT: vat, RequestID: "req-1"}
}

func TestCreateCustomerHandler(t *testing.T) {
	t.Parallel()
	for name, newStore := range everyStore() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Run("created is durable and readable", func(t *testing.T) {
				t.Parallel()
				store := newStore(t)
				h, _ := command.NewCreateCustomerHandler(store, domain.Branding{LogoURL: "https://l"})
				p := newReseller()
				created, err := h.Handle(t.Context(), createAs(p, " ACME ", "IT12345678901"))
				if err != nil {
					t.Fatal(err)
				}
				stored, err := store.ReadStream(t.Context(), customerstream.Name(created.CustomerID), 0, 0)
				if err != nil || len(stored) != 1 {
					t.Fatalf("stream: %v %v", stored, err)
				}
				event, err := customerstream.Decode(stored[0])
				if err != nil {
					t.Fatal(err)
				}
				got := event.(domain.CustomerCreated)
				if got.Name != "ACME" || got.ParentOrganizationID != p.OrganizationID || got.Branding.LogoURL != "https://l" ||
					got.CreatedBy != (domain.Actor{UserID: "u1", OrganizationID: p.OrganizationID}) {
					t.Fatalf("stored %+v", got)
				}
			})
			t.Run("second VAT under one parent refused", func(t *testing.T) {
				t.Parallel()
				h, _ := command.NewCreateCustomerHandler(newStore(t), domain.Branding{})
				p := newReseller()
				if _, err := h.Handle(t.Context(), createAs(p, "A", "IT12345678901")); err != nil {
					t.Fatal(err)
				}
				_, err := h.Handle(t.Context(), createAs(p, "B", "it-123.456.789.01"))
				if !errors.Is(err, domain.ErrVATAlreadyUsed) {
					t.Fatalf("err = %v", err)
				}
				other := createAs(newReseller(), "C", "IT12345678901")
				if _, err := h.Handle(t.Context(), other); err != nil {
					t.Fatalf("same VAT under another parent: %v", err)
				}
			})
			t.Run("concurrent retries under one idempotency key", func(t *testing.T) {
				t.Parallel()
				h, _ := command.NewCreateCustomerHandler(newStore(t), domain.Branding{})
				cmd := createAs(newReseller(), "Retry", "DE123456789")
				cmd.IdempotencyKey = "key-1"
				results := make([]command.CreatedCustomer, 50)
				errs := make([]error, 50)
				var wg sync.WaitGroup
				for i := range results {
					wg.Add(1)
					go func() {
						defer wg.Done()
						results[i], errs[i] = h.Handle(context.Background(), cmd)
					}()
				}
				wg.Wait()
				replayed := 0
				for i := range results {
					if errs[i] != nil {
						t.Fatalf("retry %d: %v", i, errs[i])
					}
					if results[i].CustomerID != results[0].CustomerID || !results[i].CreatedAt.Equal(results[0].CreatedAt) {
						t.Fatalf("retry %d created %s at %s, first %s at %s", i, results[i].CustomerID, results[i].CreatedAt, results[0].CustomerID, results[0].CreatedAt)
					}
					if results[i].Replayed {
						replayed++
					}
				}
				if replayed != 49 {
					t.Errorf("%d replays, want 49", replayed)
				}
				changed := cmd
				changed.Name = "Other"
				var reused command.IdempotencyKeyReusedError
				if _, err := h.Handle(t.Context(), changed); !errors.As(err, &reused) || reused.Key != "key-1" {
					t.Fatalf("changed content under the same key: %v", err)
				}
			})
			t.Run("concurrent creates with one VAT", func(t *testing.T) {
				t.Parallel()
				h, _ := command.NewCreateCustomerHandler(newStore(t), domain.Branding{})
				p := newReseller()
				var wg sync.WaitGroup
				var mu sync.Mutex
				outcomes := map[string]int{}
				for range 100 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := h.Handle(context.Background(), createAs(p, "Racer", "DE123456789"))
						mu.Lock()
						defer mu.Unlock()
						switch {
						case err == nil:
							outcomes["created"]++
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
			})
		})
	}
}

// TestAbandonedReservationIsTakenOver: a reservation whose customer was
// never written (a crash between the two appends) blocks the VAT only until
// the handler has seen it so for the grace period; the takeover fences the
// crashed create's stream, so that it can never be written.
func TestAbandonedReservationIsTakenOver(t *testing.T) {
	t.Parallel()
	store := oneStreamAtATime{openStore(t)}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	h, err := command.NewCreateCustomerHandler(store, domain.Branding{}, command.WithClock(clock), command.WithReservationGrace(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	// What a crashed create leaves: the reservation, no customer stream.
	crashed := eventstore.EventData{Type: "VATReserved", Data: []byte(`{"customer_id":"0192f0c4-7b9e-7a31-9d2c-000000000001","vat_normalized":"IT12345678901","reserved_at":"2026-11-27T12:00:00Z"}`)}
	crashed.ID = mustV7(t)
	if _, err := store.Append(t.Context(), "customer_vat-reseller-1-IT12345678901", eventstore.NoStream, crashed); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Handle(t.Context(), createCmd("Too early", "IT12345678901")); !errors.Is(err, domain.ErrVATAlreadyUsed) {
		t.Fatalf("within the grace: %v", err)
	}
	now = now.Add(61 * time.Second)
	created, err := h.Handle(t.Context(), createCmd("After the grace", "IT12345678901"))
	if err != nil {
		t.Fatalf("after the grace: %v", err)
	}
	fence, err := store.ReadStream(t.Context(), customerstream.Name("0192f0c4-7b9e-7a31-9d2c-000000000001"), 0, 0)
	if err != nil || len(fence) != 1 || fence[0].Type != customerstream.EventTypeCreationAbandoned {
		t.Fatalf("the crashed create's stream: %+v, %v; want its fence", fence, err)
	}
	now = now.Add(time.Hour)
	if _, err := h.Handle(t.Context(), createCmd("Later", "IT12345678901")); !errors.Is(err, domain.ErrVATAlreadyUsed) {
		t.Fatalf("the taken-over reservation (held by %s) let another in: %v", created.CustomerID, err)
	}
}

func TestNewCreateCustomerHandlerRefusesNil(t *testing.T) {
	t.Parallel()
	if _, err := command.NewCreateCustomerHandler(nil, domain.Branding{}); err == nil {
		t.Fatal("nil store accepted")
	}
	if _, err := command.NewCreateCustomerHandler(openStore(t), domain.Branding{}, command.WithReservationGrace(time.Second)); err == nil {
		t.Fatal("a grace shorter than the write timeout was accepted")
	}
}
