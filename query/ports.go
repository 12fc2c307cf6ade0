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
	// Customers returns one page of the customers in scope, how many
	// there are in all, and where the next page starts.
	Customers(ctx context.Context, q ListQuery) (CustomerList, error)
}

// CustomerList is what the read model answers a ListQuery with.
type CustomerList struct {
	Customers []Customer // never nil
	// Total is how many customers the query matches: exact without a
	// search, which counters kept with the rows answer, and with a search
	// of up to ExactCountLimit matches; beyond that an estimate
	// (EstimateTotal), and TotalExact is false.
	Total      int
	TotalExact bool
	// Next is the last customer's position when more follow it, nil on
	// the last page.
	Next *Position
}

// Position is a customer's place in a sort order: its sort value and its
// ID, which breaks ties. A page after it starts with the next customer in
// that order (keyset paging).
type Position struct {
	Time    int64  // created_at or updated_at in Unix nanoseconds, for those sorts
	NameKey string // the name's sort key (its lower case), for the name sort
	ID      string
}

// PositionOf is c's position when sorted by sortBy; nameKey is its
// stored name sort key.
func PositionOf(c Customer, sortBy, nameKey string) Position {
	switch sortBy {
	case SortByName:
		return Position{NameKey: nameKey, ID: c.ID}
	case SortByUpdatedAt:
		return Position{Time: c.UpdatedAt.UnixNano(), ID: c.ID}
	}
	return Position{Time: c.CreatedAt.UnixNano(), ID: c.ID}
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
