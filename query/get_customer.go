package query

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/domain"
)

// History reads a customer's events from the event store: the source of
// truth when the read model has not caught up yet, and the only record of
// what a customer was at an earlier time. Its adapter is query/history.
type History interface {
	// CustomerEvents returns the customer's events or domain.ErrCustomerNotFound.
	CustomerEvents(ctx context.Context, id string) ([]domain.Event, error)
	EventLog
}

// GetCustomer asks for one customer by ID.
type GetCustomer struct {
	Viewer domain.Principal
	ID     string
	// AsOf, when set, asks for the customer as it was at that time: folded
	// from the events recorded then or before. Zero asks for it as it is.
	AsOf time.Time
}

// GetCustomerHandler answers GetCustomer with read-your-writes: a customer
// whose creation was acknowledged is found even before the projection has
// caught up, by folding its stream.
type GetCustomerHandler struct {
	readModel ReadModel
	history   History
}

// NewGetCustomerHandler returns a handler reading readModel, falling back to history.
func NewGetCustomerHandler(readModel ReadModel, history History) (*GetCustomerHandler, error) {
	if readModel == nil || history == nil {
		return nil, errors.New("query: nil read model or history")
	}
	return &GetCustomerHandler{readModel: readModel, history: history}, nil
}

// Handle returns the customer, or ErrNotFound when it does not exist (at
// AsOf, when set) or the viewer may not see it.
func (h *GetCustomerHandler) Handle(ctx context.Context, q GetCustomer) (Customer, error) {
	scope, ok := q.Viewer.Scope()
	id, valid := parseCustomerID(q.ID)
	if !ok || !valid {
		return Customer{}, ErrNotFound
	}
	c, err := h.find(ctx, id, q.AsOf)
	if err != nil {
		return Customer{}, err
	}
	if !scope.Includes(c.ID, c.ParentOrganizationID) {
		return Customer{}, ErrNotFound
	}
	return c, nil
}

func (h *GetCustomerHandler) find(ctx context.Context, id string, asOf time.Time) (Customer, error) {
	if !asOf.IsZero() {
		return h.asOf(ctx, id, asOf)
	}
	c, err := h.readModel.Customer(ctx, id)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrReadModelUnavailable) {
		// Not projected yet, or the read model is away: the log knows.
		return h.fromHistory(ctx, id)
	}
	return c, err
}

func (h *GetCustomerHandler) fromHistory(ctx context.Context, id string) (Customer, error) {
	events, err := h.history.CustomerEvents(ctx, id)
	if errors.Is(err, domain.ErrCustomerNotFound) {
		return Customer{}, ErrNotFound
	}
	if err != nil {
		return Customer{}, err
	}
	c, ok := Fold(events)
	if !ok {
		return Customer{}, ErrNotFound
	}
	return c, nil
}

// asOf folds the customer's events recorded at or before t. The fold stops
// at the first event recorded later: a state is a prefix of the stream,
// never a selection from it, even if the store's clock stepped back.
func (h *GetCustomerHandler) asOf(ctx context.Context, id string, t time.Time) (Customer, error) {
	recorded, err := h.history.RecordedEvents(ctx, id, 0, 0)
	if errors.Is(err, domain.ErrCustomerNotFound) {
		return Customer{}, ErrNotFound
	}
	if err != nil {
		return Customer{}, err
	}
	events := make([]domain.Event, 0, len(recorded))
	for _, r := range recorded {
		if r.RecordedAt.After(t) {
			break
		}
		events = append(events, r.Event)
	}
	c, ok := Fold(events)
	if !ok {
		return Customer{}, ErrNotFound
	}
	return c, nil
}

// parseCustomerID returns the canonical form of a customer ID; anything but
// a UUID names no customer.
func parseCustomerID(id string) (string, bool) {
	parsed, err := uuid.Parse(id)
	if err != nil {
		return "", false
	}
	return parsed.String(), true
}
