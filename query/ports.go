package query

import (
	"context"
	"errors"
)

// ErrNotFound says the customer does not exist or the viewer may not see it;
// the two are deliberately indistinguishable.
var ErrNotFound = errors.New("customer not found")

// ReadModel is the customers read model the query handlers read; its
// adapter is query/readmodel.
type ReadModel interface {
	// Customer returns one customer or ErrNotFound.
	Customer(ctx context.Context, id string) (Customer, error)
	// Customers returns one page of the customers in scope and how many
	// there are in all.
	Customers(ctx context.Context, q ListQuery) ([]Customer, int, error)
}

// ReadModelWriter is the side of the read model projections write.
type ReadModelWriter interface {
	// SaveCustomers stores, in one transaction, each customer whose Version
	// is newer than the stored one, and the projection's checkpoint (kept
	// at the highest position saved). It returns how many customers changed;
	// saving the same customers again changes none.
	SaveCustomers(ctx context.Context, customers []Customer, projection string, position uint64) (int, error)
	// Checkpoint returns the projection's saved log position, 0 for none.
	Checkpoint(ctx context.Context, projection string) (uint64, error)
}
