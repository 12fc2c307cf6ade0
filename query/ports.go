package query

import (
	"context"
	"errors"

	"github.com/customersvc/customersvc/domain"
)

// ErrNotFound says the customer does not exist or the viewer may not see it;
// the two are deliberately indistinguishable.
var ErrNotFound = errors.New("customer not found")

// ErrReadModelUnavailable says the read model cannot answer now: it is
// unreachable, or still catching up with the events and would answer with
// a partial list. The caller may ask again shortly.
var ErrReadModelUnavailable = errors.New("read model unavailable")

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
	// ApplyEvents folds each event into its customer's row with Evolve, in
	// the order given, and saves the projection's checkpoint (kept at the
	// highest position of the events it applied or skipped), all in one
	// transaction. An event is folded only onto the revision just before
	// it (a new customer's first event is revision 0): one at or below the
	// stored revision is a redelivery and changes nothing (Skipped); one
	// whose predecessor is not stored yet is refused (Gap) and the others
	// still commit. So the events of one customer are applied in stream
	// order, none skipped, however many projectors share the read model and
	// in whatever order the broker hands them out. The outcomes are in the
	// order of events; err is for the whole batch, which then saved nothing.
	ApplyEvents(ctx context.Context, events []CustomerEvent, projection string) (outcomes []Outcome, err error)
	// Checkpoint returns the projection's saved log position, 0 for none.
	Checkpoint(ctx context.Context, projection string) (uint64, error)
}

// CustomerEvent is one event of a customer's stream, as a projection
// hands it to the read model.
type CustomerEvent struct {
	CustomerID string
	Revision   int64  // the event's revision in the customer's stream, from 0
	Position   uint64 // its position in the event store's global log
	Event      domain.Event
}

// Outcome is what ApplyEvents did with one event.
type Outcome uint8

const (
	Applied Outcome = iota + 1 // folded into the row
	Skipped                    // at or below the stored revision: already applied
	Gap                        // an earlier event of the customer is missing: retry later
)

func (o Outcome) String() string {
	switch o {
	case Applied:
		return "applied"
	case Skipped:
		return "skipped"
	case Gap:
		return "gap"
	}
	return "unknown"
}

// ErrRevisionGap says an event came before the one preceding it in its
// customer's stream: it is to be delivered again later.
var ErrRevisionGap = errors.New("read model: an earlier event of the customer is not applied yet")
