package query

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/domain"
)

// GetCustomer asks for one customer by ID.
type GetCustomer struct {
	Viewer Viewer
	ID     string
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

// Handle returns the customer, or ErrNotFound when it does not exist or the
// viewer may not see it.
func (h *GetCustomerHandler) Handle(ctx context.Context, q GetCustomer) (Customer, error) {
	scope, ok := ScopeOf(q.Viewer)
	if !ok {
		return Customer{}, ErrNotFound
	}
	parsed, err := uuid.Parse(q.ID)
	if err != nil {
		return Customer{}, ErrNotFound
	}
	id := parsed.String()
	c, err := h.readModel.Customer(ctx, id)
	if errors.Is(err, ErrNotFound) {
		c, err = h.fromHistory(ctx, id)
	}
	if err != nil {
		return Customer{}, err
	}
	if !scope.Allows(c) {
		return Customer{}, ErrNotFound
	}
	return c, nil
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
