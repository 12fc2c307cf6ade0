package query_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
)

const (
	customerID = "0192f0c4-7b9e-7a31-9d2c-3f4e5a6b7c8d"
	parentOrg  = "reseller-1"
)

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// laterEvent is a test double of an event recorded after the creation; the
// fold counts it without changing the fields.
type laterEvent struct{}

func (laterEvent) EventType() string  { return "LaterEvent" }
func (laterEvent) SchemaVersion() int { return 1 }

// eventLogDouble is a test double of the event log (and of the rest of
// query.History): one customer's stream, kept in memory. The creation is
// recorded at t0, each later event one minute after the one before.
type eventLogDouble struct {
	events []domain.RecordedEvent
	reads  *[]string // "from/limit" of every RecordedEvents call
	err    error
}

func newEventLogDouble(later int) eventLogDouble {
	created := domain.CustomerCreated{CustomerID: customerID, ParentOrganizationID: parentOrg, Name: "ACME",
		VAT: "IT12345678901", NormalizedVAT: "IT12345678901", VATCountry: "IT", CreatedAt: t0.Add(-time.Second)}
	log := eventLogDouble{reads: new([]string)}
	for i := range later + 1 {
		var e domain.Event = laterEvent{}
		if i == 0 {
			e = created
		}
		log.events = append(log.events, domain.RecordedEvent{Event: e, StreamVersion: uint64(i), GlobalPosition: uint64(10 + i),
			RecordedAt: t0.Add(time.Duration(i) * time.Minute), RecordedBy: domain.Actor{UserID: "u1", OrganizationID: parentOrg}})
	}
	return log
}

func (d eventLogDouble) RecordedEvents(_ context.Context, id string, from uint64, limit int) ([]domain.RecordedEvent, error) {
	*d.reads = append(*d.reads, fmt.Sprintf("%d/%d", from, limit))
	if d.err != nil {
		return nil, d.err
	}
	if id != customerID || len(d.events) == 0 {
		return nil, domain.ErrCustomerNotFound
	}
	rest := d.events[min(int(from), len(d.events)):]
	if limit > 0 && limit < len(rest) {
		rest = rest[:limit]
	}
	return rest, nil
}

func (d eventLogDouble) CustomerEvents(ctx context.Context, id string) ([]domain.Event, error) {
	recorded, err := d.RecordedEvents(ctx, id, 0, 0)
	events := make([]domain.Event, len(recorded))
	for i, r := range recorded {
		events[i] = r.Event
	}
	return events, err
}

// readModelDouble is a test double of the read model that must not be
// asked: the handlers under test answer from the event log.
type readModelDouble struct{ t *testing.T }

func (d readModelDouble) Customer(context.Context, string) (query.Customer, error) {
	d.t.Error("the read model was read")
	return query.Customer{}, query.ErrNotFound
}

func (d readModelDouble) Customers(context.Context, query.ListQuery) (query.CustomerList, error) {
	d.t.Error("the read model was read")
	return query.CustomerList{}, nil
}

var (
	reseller      = domain.Principal{OrganizationID: parentOrg, Role: "reseller"}
	otherReseller = domain.Principal{OrganizationID: "reseller-2", Role: "reseller"}
	owner         = domain.Principal{OrganizationID: "owner", Role: "owner"}
	itself        = domain.Principal{OrganizationID: customerID, Role: "customer"}
)

func versions(events []domain.RecordedEvent) string {
	out := make([]uint64, len(events))
	for i, e := range events {
		out[i] = e.StreamVersion
	}
	return fmt.Sprint(out)
}

func TestListCustomerEventsHandler_pages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		later     int // events after the creation
		q         query.ListCustomerEvents
		versions  string
		next      string // "" when there is no next page
		wantReads string
	}{
		{"defaults: from 0, limit 100", 0, query.ListCustomerEvents{}, "[0]", "", "[0/101]"},
		{"first page of three", 4, query.ListCustomerEvents{Limit: 2}, "[0 1]", "2", "[0/3]"},
		{"middle page reads the creation for visibility", 4, query.ListCustomerEvents{FromVersion: 2, Limit: 2}, "[2 3]", "4", "[2/3 0/1]"},
		{"last page, exactly full", 3, query.ListCustomerEvents{FromVersion: 2, Limit: 2}, "[2 3]", "", "[2/3 0/1]"},
		{"past the end", 1, query.ListCustomerEvents{FromVersion: 9, Limit: 2}, "[]", "", "[9/3 0/1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log := newEventLogDouble(tt.later)
			h, _ := query.NewListCustomerEventsHandler(log)
			tt.q.Viewer, tt.q.ID = reseller, customerID
			page, err := h.Handle(t.Context(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := versions(page.Events); got != tt.versions {
				t.Errorf("versions %s, want %s", got, tt.versions)
			}
			next := ""
			if page.HasNext {
				next = fmt.Sprint(page.NextFromVersion)
			}
			if next != tt.next {
				t.Errorf("next %q, want %q", next, tt.next)
			}
			if got := fmt.Sprint(*log.reads); got != tt.wantReads {
				t.Errorf("reads %s, want %s", got, tt.wantReads)
			}
			want := tt.q.WithDefaults()
			if page.FromVersion != want.FromVersion || page.Limit != want.Limit {
				t.Errorf("page echoes from %d limit %d, want %d %d", page.FromVersion, page.Limit, want.FromVersion, want.Limit)
			}
		})
	}
}

func TestListCustomerEventsHandler_refuses(t *testing.T) {
	t.Parallel()
	storeDown := errors.New("store down")
	tests := []struct {
		name string
		log  eventLogDouble
		q    query.ListCustomerEvents
		want error
	}{
		{"404 other tenant", newEventLogDouble(0), query.ListCustomerEvents{Viewer: otherReseller, ID: customerID}, query.ErrNotFound},
		{"404 other tenant on a later page", newEventLogDouble(3), query.ListCustomerEvents{Viewer: otherReseller, ID: customerID, FromVersion: 2}, query.ErrNotFound},
		{"404 unknown role", newEventLogDouble(0), query.ListCustomerEvents{Viewer: domain.Principal{OrganizationID: parentOrg, Role: "guest"}, ID: customerID}, query.ErrNotFound},
		{"404 unknown customer", newEventLogDouble(0), query.ListCustomerEvents{Viewer: owner, ID: "0192f0c4-7b9e-7a31-9d2c-000000000000"}, query.ErrNotFound},
		{"404 not a UUID", newEventLogDouble(0), query.ListCustomerEvents{Viewer: owner, ID: "org_1"}, query.ErrNotFound},
		{"store error passes through", eventLogDouble{err: storeDown, reads: new([]string)}, query.ListCustomerEvents{Viewer: owner, ID: customerID}, storeDown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := query.NewListCustomerEventsHandler(tt.log)
			if page, err := h.Handle(t.Context(), tt.q); !errors.Is(err, tt.want) {
				t.Fatalf("got %+v, %v; want %v", page, err, tt.want)
			}
		})
	}
	for _, v := range []domain.Principal{owner, itself} {
		h, _ := query.NewListCustomerEventsHandler(newEventLogDouble(0))
		if _, err := h.Handle(t.Context(), query.ListCustomerEvents{Viewer: v, ID: customerID}); err != nil {
			t.Errorf("%s: %v", v.Role, err)
		}
	}
}

func TestListCustomerEvents_Validate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		q    query.ListCustomerEvents
		want string // "" for valid
	}{
		{"defaults", query.ListCustomerEvents{}.WithDefaults(), ""},
		{"limit 1", query.ListCustomerEvents{Limit: 1}, ""},
		{"limit 1000", query.ListCustomerEvents{Limit: 1000}, ""},
		{"limit 0", query.ListCustomerEvents{Limit: 0}, "invalid query: limit: min"},
		{"limit 1001", query.ListCustomerEvents{Limit: 1001}, "invalid query: limit: max"},
		{"all at once", query.ListCustomerEvents{FromVersion: -1, Limit: -5}, "invalid query: from_version: min; limit: min"},
	}
	for _, tt := range tests {
		err := tt.q.Validate()
		var invalid query.InvalidQueryError
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (!errors.As(err, &invalid) || err.Error() != tt.want):
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
	h, _ := query.NewListCustomerEventsHandler(newEventLogDouble(0))
	if _, err := h.Handle(t.Context(), query.ListCustomerEvents{Viewer: owner, ID: customerID, Limit: 1001}); !errors.As(err, new(query.InvalidQueryError)) {
		t.Errorf("the handler did not validate: %v", err)
	}
}

func TestGetCustomerHandler_as_of(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		viewer  domain.Principal
		asOf    time.Time
		version int64 // -1: ErrNotFound
	}{
		{"before the creation", reseller, t0.Add(-time.Nanosecond), -1},
		{"at the creation", reseller, t0, 0},
		{"between the creation and the next event", reseller, t0.Add(59 * time.Second), 0},
		{"at the second event", reseller, t0.Add(time.Minute), 1},
		{"long after", reseller, t0.Add(24 * time.Hour), 2},
		{"other tenant", otherReseller, t0.Add(time.Hour), -1},
		{"owner", owner, t0.Add(time.Hour), 2},
		{"the customer itself", itself, t0.Add(time.Hour), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := query.NewGetCustomerHandler(readModelDouble{t}, newEventLogDouble(2))
			c, err := h.Handle(t.Context(), query.GetCustomer{Viewer: tt.viewer, ID: customerID, AsOf: tt.asOf})
			if tt.version < 0 {
				if !errors.Is(err, query.ErrNotFound) {
					t.Fatalf("got %+v, %v; want ErrNotFound", c, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Version != tt.version || c.ID != customerID || c.ParentOrganizationID != parentOrg || c.Name != "ACME" {
				t.Fatalf("got %+v, want version %d", c, tt.version)
			}
		})
	}
}

// TestGetCustomerHandler_as_of_is_a_prefix: an event recorded before as_of
// but after one recorded later (the store's clock stepped back) is not
// folded in without the one before it.
func TestGetCustomerHandler_as_of_is_a_prefix(t *testing.T) {
	t.Parallel()
	log := newEventLogDouble(2)
	log.events[2].RecordedAt = t0.Add(30 * time.Second)
	h, _ := query.NewGetCustomerHandler(readModelDouble{t}, log)
	c, err := h.Handle(t.Context(), query.GetCustomer{Viewer: reseller, ID: customerID, AsOf: t0.Add(45 * time.Second)})
	if err != nil || c.Version != 0 {
		t.Fatalf("got version %d, %v; want 0", c.Version, err)
	}
}

func TestNewListCustomerEventsHandlerRefusesNil(t *testing.T) {
	t.Parallel()
	if _, err := query.NewListCustomerEventsHandler(nil); err == nil {
		t.Error("nil event log accepted")
	}
}
