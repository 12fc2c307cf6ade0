package history_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/command/eventstore/esdb"
	"github.com/customersvc/customersvc/command/eventstore/esdb/esdbtest"
	"github.com/customersvc/customersvc/command/eventstore/sqlite"
	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/history"
)

// historyStores are the event stores the history is read from: SQLite, and
// the EventStoreDB adapter talking to the in-process test double of
// EventStoreDB's gRPC API.
var historyStores = map[string]func(t *testing.T) eventstore.Store{
	"sqlite": func(t *testing.T) eventstore.Store { return openStore(t) },
	"esdb test double": func(t *testing.T) eventstore.Store {
		srv, err := esdbtest.Start()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		s, err := esdb.Open(t.Context(), esdb.Config{URL: srv.URL(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	},
}

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "events.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustV7(t *testing.T) uuid.UUID {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// created is a customer appended by appendCreated.
type created struct {
	CustomerID string
	Position   eventstore.Position
}

// appendCreated stores a customer's creation as the write side records it
// today, created by user u1 of reseller-1.
func appendCreated(t *testing.T, store eventstore.Store, name, vat string) created {
	t.Helper()
	id := mustV7(t).String()
	customData, _ := json.Marshal(map[string]string{"vat": vat})
	customer, err := domain.CreateCustomer(domain.NewCustomer{ID: id, ParentOrganizationID: "reseller-1", Name: name,
		CustomData: customData, VAT: vat, Actor: domain.Actor{UserID: "u1", OrganizationID: "reseller-1"}, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	events, err := customerstream.Encode(customer.Changes(), eventstore.Metadata{UserID: "u1", OrgID: "reseller-1"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := store.Append(t.Context(), customerstream.Name(id), eventstore.NoStream, events...)
	if err != nil {
		t.Fatal(err)
	}
	return created{CustomerID: id, Position: res.Position}
}

// appendV1Created stores a CustomerCreated as schema version 1 wrote it:
// data without vat_country, metadata saying schema_version 1.
func appendV1Created(t *testing.T, store eventstore.Store, id, vat, normalized string) {
	t.Helper()
	data, _ := json.Marshal(map[string]any{
		"customer_id": id, "parent_organization_id": "reseller-1", "name": "Old Greek SA", "description": "",
		"custom_data": map[string]string{"vat": vat}, "vat": vat, "vat_normalized": normalized,
		"branding":   map[string]string{"logo_url": "https://l", "dark_logo_url": "https://d"},
		"created_by": map[string]string{"user_id": "u-old", "organization_id": "reseller-1"},
		"created_at": "2025-01-02T03:04:05Z",
	})
	meta, _ := json.Marshal(eventstore.Metadata{SchemaVersion: 1, CorrelationID: "req-old", UserID: "u-old", OrgID: "reseller-1"})
	if _, err := store.Append(t.Context(), customerstream.Name(id), eventstore.NoStream,
		eventstore.EventData{ID: mustV7(t), Type: "CustomerCreated", Data: data, Metadata: meta}); err != nil {
		t.Fatal(err)
	}
}

func TestCustomerHistory_RecordedEvents(t *testing.T) {
	t.Parallel()
	for name, newStore := range historyStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := newStore(t)
			reader, _ := history.New(store)
			before := time.Now()
			created := appendCreated(t, store, "ACME", "it 12345678901")
			after := time.Now()

			events, err := reader.RecordedEvents(t.Context(), created.CustomerID, 0, 0)
			if err != nil || len(events) != 1 {
				t.Fatalf("events %+v, %v", events, err)
			}
			got := events[0]
			e, ok := got.Event.(domain.CustomerCreated)
			if !ok || e.SchemaVersion() != 2 || e.VATCountry != "IT" || e.CustomerID != created.CustomerID {
				t.Errorf("event %+v", got.Event)
			}
			if got.StreamVersion != 0 || got.GlobalPosition != created.Position.Commit || got.GlobalPosition == 0 {
				t.Errorf("stream version %d, global position %d; created at %v", got.StreamVersion, got.GlobalPosition, created.Position)
			}
			if got.RecordedBy != (domain.Actor{UserID: "u1", OrganizationID: "reseller-1"}) {
				t.Errorf("recorded by %+v", got.RecordedBy)
			}
			// The store's clock, not the domain's; the double keeps 100 ns ticks.
			if got.RecordedAt.Before(before.Add(-time.Microsecond)) || got.RecordedAt.After(after) || got.RecordedAt.Location() != time.UTC {
				t.Errorf("recorded at %v, not within [%v, %v] UTC", got.RecordedAt, before, after)
			}

			if past, err := reader.RecordedEvents(t.Context(), created.CustomerID, 1, 10); err != nil || len(past) != 0 {
				t.Errorf("from past the end: %+v, %v", past, err)
			}
			if _, err := reader.RecordedEvents(t.Context(), "0192f0c4-7b9e-7a31-9d2c-000000000000", 0, 0); !errors.Is(err, domain.ErrCustomerNotFound) {
				t.Errorf("unknown customer: %v", err)
			}
		})
	}
}

// TestCustomerHistory_upcasts_stored_v1: an event stored before
// vat_country existed is read, by every reader, as schema version 2.
func TestCustomerHistory_upcasts_stored_v1(t *testing.T) {
	t.Parallel()
	for name, newStore := range historyStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := newStore(t)
			id := mustV7(t).String()
			appendV1Created(t, store, id, "el 123.456.789", "EL123456789")
			reader, _ := history.New(store)

			recorded, err := reader.RecordedEvents(t.Context(), id, 0, 0)
			if err != nil || len(recorded) != 1 {
				t.Fatalf("recorded %+v, %v", recorded, err)
			}
			upcast, ok := recorded[0].Event.(domain.CustomerCreated)
			if !ok || upcast.SchemaVersion() != 2 || upcast.VATCountry != "EL" || upcast.NormalizedVAT != "EL123456789" ||
				upcast.Name != "Old Greek SA" || upcast.CreatedBy.UserID != "u-old" {
				t.Fatalf("read back %+v", recorded[0].Event)
			}
			if recorded[0].RecordedBy != (domain.Actor{UserID: "u-old", OrganizationID: "reseller-1"}) {
				t.Errorf("recorded by %+v", recorded[0].RecordedBy)
			}
			data, _ := json.Marshal(upcast)
			var fields map[string]any
			_ = json.Unmarshal(data, &fields)
			if fields["vat_country"] != "EL" {
				t.Errorf("data as served: %s", data)
			}

			plain, err := reader.CustomerEvents(t.Context(), id)
			if err != nil || plain[0].(domain.CustomerCreated).VATCountry != "EL" {
				t.Errorf("CustomerEvents: %+v, %v", plain, err)
			}

			reseller := domain.Principal{OrganizationID: "reseller-1", Role: domain.RoleReseller}
			events, _ := query.NewListCustomerEventsHandler(reader)
			page, err := events.Handle(t.Context(), query.ListCustomerEvents{Viewer: reseller, ID: id})
			if err != nil || len(page.Events) != 1 || page.Events[0].Event.(domain.CustomerCreated).VATCountry != "EL" || page.HasNext {
				t.Errorf("ListCustomerEvents: %+v, %v", page, err)
			}
			get, _ := query.NewGetCustomerHandler(emptyReadModel{}, reader)
			asOf := recorded[0].RecordedAt
			if c, err := get.Handle(t.Context(), query.GetCustomer{Viewer: reseller, ID: id, AsOf: asOf}); err != nil || c.Name != "Old Greek SA" {
				t.Errorf("as of %v: %+v, %v", asOf, c, err)
			}
			if _, err := get.Handle(t.Context(), query.GetCustomer{Viewer: reseller, ID: id, AsOf: asOf.Add(-time.Microsecond)}); !errors.Is(err, query.ErrNotFound) {
				t.Errorf("as of before the creation: %v", err)
			}
		})
	}
}

// emptyReadModel is a test double of a read model that has caught up with
// nothing.
type emptyReadModel struct{}

func (emptyReadModel) Customer(context.Context, string) (query.Customer, error) {
	return query.Customer{}, query.ErrNotFound
}

func (emptyReadModel) Customers(context.Context, query.ListQuery) (query.CustomerList, error) {
	return query.CustomerList{}, nil
}

// TestCustomerHistory_abandonedCreation: the stream of a creation that
// crashed between its appends and was blocked by a takeover (it holds only
// CustomerCreationAbandoned) is no customer: 404, not an error.
func TestCustomerHistory_abandonedCreation(t *testing.T) {
	t.Parallel()
	for name, newStore := range historyStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := newStore(t)
			reader, _ := history.New(store)
			id := mustV7(t).String()
			if _, err := store.Append(t.Context(), customerstream.Name(id), eventstore.NoStream, eventstore.EventData{
				ID: mustV7(t), Type: customerstream.EventTypeCreationAbandoned, Data: []byte(`{}`),
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := reader.RecordedEvents(t.Context(), id, 0, 0); !errors.Is(err, domain.ErrCustomerNotFound) {
				t.Fatalf("abandoned creation: %v, want domain.ErrCustomerNotFound", err)
			}
		})
	}
}
