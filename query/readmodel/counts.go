package readmodel

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/customersvc/customersvc/query"
)

// The counters of customers, overall and per parent organization, make an
// exact total_count cost one row read instead of a count of the scope.
// They move in the transaction that inserts a customer's row, so they
// always agree with the rows; a redelivered or refused event inserts
// nothing and moves nothing.

// CountAll is the counter of every customer; ParentCount names a parent's.
// The prefix keeps a parent's name from ever being taken for "all".
const CountAll = "all"

// ParentCount is the name of the counter of parent's customers.
func ParentCount(parent string) string { return "parent:" + parent }

// countsDDL is the counters' table.
const countsDDL = `
CREATE TABLE IF NOT EXISTS customer_counts (
	scope     TEXT PRIMARY KEY,
	customers INTEGER NOT NULL
) WITHOUT ROWID;
`

// CountDelta is how much one counter moves.
type CountDelta struct {
	Scope string
	By    int64
}

// CountDeltas is how the counters move when the changed rows are written
// over the stored ones: a customer not stored yet adds one overall and to
// its parent; a stored one that changed parent moves from one to the
// other. They come sorted by Scope, so that concurrent writers lock the
// counters in one order.
func CountDeltas(changed []query.Customer, stored map[string]query.Customer) []CountDelta {
	var deltas []CountDelta
	move := func(scope string, by int64) {
		for i := range deltas {
			if deltas[i].Scope == scope {
				deltas[i].By += by
				return
			}
		}
		deltas = append(deltas, CountDelta{Scope: scope, By: by})
	}
	for _, c := range changed {
		old, ok := stored[c.ID]
		switch {
		case !ok:
			move(CountAll, 1)
			move(ParentCount(c.ParentOrganizationID), 1)
		case old.ParentOrganizationID != c.ParentOrganizationID:
			move(ParentCount(old.ParentOrganizationID), -1)
			move(ParentCount(c.ParentOrganizationID), 1)
		}
	}
	deltas = slices.DeleteFunc(deltas, func(d CountDelta) bool { return d.By == 0 })
	slices.SortFunc(deltas, func(a, b CountDelta) int { return strings.Compare(a.Scope, b.Scope) })
	return deltas
}

const addCount = `
INSERT INTO customer_counts (scope, customers) VALUES (?, ?)
ON CONFLICT(scope) DO UPDATE SET customers = customers + excluded.customers`

// recount sets the counters from the rows: for a file written before
// there were counters, and after a bulk load, which does not keep them.
// It reads the whole table once (on the parent index when there is one).
const recount = `
DELETE FROM customer_counts;
INSERT INTO customer_counts (scope, customers)
	SELECT 'parent:' || parent_org_id, count(*) FROM customers GROUP BY parent_org_id;
INSERT INTO customer_counts (scope, customers)
	SELECT 'all', count(*) FROM customers HAVING count(*) > 0;
`

// countOnce fills the counters of a file that has rows but no overall
// counter (one written before the counters existed), in one transaction.
// A file with counters is left alone: they are kept with every write.
func countOnce(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("count customers: %w", err)
	}
	defer tx.Rollback()
	var missing bool
	err = tx.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM customer_counts WHERE scope = 'all')
	AND EXISTS (SELECT 1 FROM customers)`).Scan(&missing)
	if err != nil {
		return fmt.Errorf("count customers: %w", err)
	}
	if !missing {
		return nil
	}
	return recountIn(ctx, tx)
}

// recountIn sets the counters from the rows and commits tx.
func recountIn(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, recount); err != nil {
		return fmt.Errorf("count customers: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("count customers: %w", err)
	}
	return nil
}
