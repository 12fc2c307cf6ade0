package query

import (
	"context"
	"errors"
	"strconv"

	"github.com/customersvc/customersvc/domain"
)

// Paging limits of ListCustomerEvents.
const (
	DefaultEventsLimit = 100
	MaxEventsLimit     = 1000
)

// EventLog reads a customer's recorded events from the event store, with
// where, when and by whom each was recorded.
type EventLog interface {
	// RecordedEvents returns up to limit events (all for limit <= 0) of the
	// customer's stream from stream version from on, oldest first and in
	// their current schema; none when from is past the end, and
	// domain.ErrCustomerNotFound when the customer has no stream.
	RecordedEvents(ctx context.Context, id string, from uint64, limit int) ([]domain.RecordedEvent, error)
}

// ListCustomerEvents asks for a page of one customer's events as the event
// store recorded them: its audit trail.
type ListCustomerEvents struct {
	Viewer      domain.Principal
	ID          string
	FromVersion int // stream version of the first event wanted, from 0
	Limit       int
}

// EventPage is one page of a customer's events.
type EventPage struct {
	Events      []domain.RecordedEvent
	FromVersion int
	Limit       int
	// HasNext says the stream goes on; the next page starts at
	// NextFromVersion.
	HasNext         bool
	NextFromVersion int
}

// WithDefaults fills the parameters the client left out.
func (q ListCustomerEvents) WithDefaults() ListCustomerEvents {
	if q.Limit == 0 {
		q.Limit = DefaultEventsLimit
	}
	return q
}

// Validate returns an InvalidQueryError naming every bad parameter.
func (q ListCustomerEvents) Validate() error {
	var problems InvalidQueryError
	if q.FromVersion < 0 {
		problems = append(problems, InvalidParameterError{Parameter: "from_version", Code: "min", Value: strconv.Itoa(q.FromVersion)})
	}
	if q.Limit < 1 {
		problems = append(problems, InvalidParameterError{Parameter: "limit", Code: "min", Value: strconv.Itoa(q.Limit)})
	} else if q.Limit > MaxEventsLimit {
		problems = append(problems, InvalidParameterError{Parameter: "limit", Code: "max", Value: strconv.Itoa(q.Limit)})
	}
	if len(problems) > 0 {
		return problems
	}
	return nil
}

// ListCustomerEventsHandler answers ListCustomerEvents from the event
// store, never from the read model: the log is the record audits trust.
type ListCustomerEventsHandler struct {
	log EventLog
}

// NewListCustomerEventsHandler returns a handler reading log.
func NewListCustomerEventsHandler(log EventLog) (*ListCustomerEventsHandler, error) {
	if log == nil {
		return nil, errors.New("query: nil event log")
	}
	return &ListCustomerEventsHandler{log: log}, nil
}

// Handle returns the requested page, or ErrNotFound when the customer does
// not exist or the viewer may not see it.
func (h *ListCustomerEventsHandler) Handle(ctx context.Context, q ListCustomerEvents) (EventPage, error) {
	q = q.WithDefaults()
	if err := q.Validate(); err != nil {
		return EventPage{}, err
	}
	scope, ok := q.Viewer.Scope()
	id, valid := parseCustomerID(q.ID)
	if !ok || !valid {
		return EventPage{}, ErrNotFound
	}
	// One event more than asked tells whether there is a next page.
	events, err := h.read(ctx, id, q.FromVersion, q.Limit+1)
	if err != nil {
		return EventPage{}, err
	}
	if err := h.checkVisible(ctx, scope, id, q.FromVersion, events); err != nil {
		return EventPage{}, err
	}
	page := EventPage{Events: events, FromVersion: q.FromVersion, Limit: q.Limit}
	if len(events) > q.Limit {
		page.Events = events[:q.Limit]
		page.HasNext = true
		page.NextFromVersion = int(events[q.Limit].StreamVersion)
	}
	return page, nil
}

// checkVisible returns ErrNotFound unless the viewer may see the customer.
// A customer's parent organization is fixed by its creation, the stream's
// first event, so that event decides; later pages need not fold the stream.
func (h *ListCustomerEventsHandler) checkVisible(ctx context.Context, scope domain.Scope, id string, from int, page []domain.RecordedEvent) error {
	first := page
	if from > 0 {
		var err error
		if first, err = h.read(ctx, id, 0, 1); err != nil {
			return err
		}
	}
	if len(first) == 0 {
		return ErrNotFound
	}
	c, ok := Fold([]domain.Event{first[0].Event})
	if !ok || !scope.Includes(c.ID, c.ParentOrganizationID) {
		return ErrNotFound
	}
	return nil
}

func (h *ListCustomerEventsHandler) read(ctx context.Context, id string, from, limit int) ([]domain.RecordedEvent, error) {
	events, err := h.log.RecordedEvents(ctx, id, uint64(from), limit)
	if errors.Is(err, domain.ErrCustomerNotFound) {
		return nil, ErrNotFound
	}
	return events, err
}
