package postgres

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
)

// countSlots is how many slots each counter is split into (see the
// migration 000002): enough that a few replicas' projectors rarely pick
// the same, few enough that summing them stays one short index range.
const countSlots = 16

// slotOf is the slot a batch adds to: by its first customer, so that
// concurrent batches spread over the slots.
func slotOf(events []query.CustomerEvent) int16 {
	h := fnv.New32a()
	h.Write([]byte(events[0].CustomerID))
	return int16(h.Sum32() % countSlots)
}

// addCountsTo moves the counters of table by deltas, in one statement; the
// deltas come sorted, so concurrent writers lock counters in one order.
func addCountsTo(ctx context.Context, tx pgx.Tx, table string, slot int16, deltas []readmodel.CountDelta) error {
	if len(deltas) == 0 {
		return nil
	}
	scopes, by := make([]string, len(deltas)), make([]int64, len(deltas))
	for i, d := range deltas {
		scopes[i], by[i] = d.Scope, d.By
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+table+` (scope, slot, customers)
SELECT s, $2, n FROM unnest($1::text[], $3::bigint[]) AS d(s, n)
ON CONFLICT (scope, slot) DO UPDATE SET customers = `+table+`.customers + excluded.customers`, scopes, slot, by)
	if err != nil {
		return fmt.Errorf("read model: count customers: %w", err)
	}
	return nil
}

// scopeCount is how many customers are in scope, from the counters; for
// one customer, whether its row is there.
func scopeCount(ctx context.Context, db querier, scope domain.Scope) (int, error) {
	var n int64
	var err error
	const sum = `SELECT coalesce(sum(customers), 0) FROM customer_counts WHERE scope = $1`
	switch {
	case scope.All:
		err = db.QueryRow(ctx, sum, readmodel.CountAll).Scan(&n)
	case scope.ParentOrganizationID != "":
		err = db.QueryRow(ctx, sum, readmodel.ParentCount(scope.ParentOrganizationID)).Scan(&n)
	case scope.CustomerID != "":
		err = db.QueryRow(ctx, `SELECT count(*) FROM customers WHERE id = $1`, scope.CustomerID).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("count customers: %w", err)
	}
	return int(n), nil
}
