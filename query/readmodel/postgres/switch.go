package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SwitchToCopy makes the copy a Loader loaded the live read model of every
// replica at once, in one transaction:
//
//  1. It locks the live tables against writers (EXCLUSIVE: reads go on).
//     Projectors of every replica then wait in ApplyEvents, their messages
//     unacknowledged; a write in flight commits first.
//  2. It calls catchUp, which is to load the copy up to the head of the log
//     (on other connections: the copy's tables are not locked). Now that
//     the live checkpoints stand still, the copy passes every event the
//     live tables hold.
//  3. It checks that no checkpoint of the copy is behind the live one.
//  4. It renames the copy's tables, with their indexes, into the live
//     ones' place and drops the old ones: the rows, the checkpoints and
//     the counters, which the copy kept with its rows. Reads wait only for
//     the renames.
//
// When the transaction commits, the waiting writers go on into the new
// tables (PostgreSQL looks a table's name up again after waiting for its
// lock), where the events they repeat change nothing. ctx bounds the whole:
// should it end, or anything fail, before the commit, nothing has changed
// but the copy's progress.
func (s *Store) SwitchToCopy(ctx context.Context, catchUp func(ctx context.Context) error) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE customers, checkpoints, customer_counts IN EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("lock the live tables: %w", err)
		}
		if err := catchUp(ctx); err != nil {
			return err
		}
		if err := copyAhead(ctx, tx); err != nil {
			return err
		}
		return swapTables(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("read model: switch to the copy: %w", err)
	}
	return nil
}

// copyAhead fails if a projection's checkpoint in the copy is behind the
// live one.
func copyAhead(ctx context.Context, tx pgx.Tx) error {
	var projection string
	var live, copied int64
	err := tx.QueryRow(ctx, `
SELECT l.projection, l.position, coalesce(n.position, 0)
FROM checkpoints l LEFT JOIN `+nextCheckpoints+` n USING (projection)
WHERE coalesce(n.position, 0) < l.position LIMIT 1`).Scan(&projection, &live, &copied)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("compare checkpoints: %w", err)
	}
	return fmt.Errorf("the copy's %s is at position %d, behind the live read model at %d", projection, copied, live)
}

// swapTables puts the copy's tables (rows, checkpoints, counters) in the live ones' place, and gives
// their indexes the live indexes' names, which migrations may refer to.
func swapTables(ctx context.Context, tx pgx.Tx) error {
	var stmts []string
	for _, t := range []struct{ live, next string }{
		{"customers", nextCustomers}, {"checkpoints", nextCheckpoints}, {"customer_counts", nextCounts},
	} {
		names, err := indexNames(ctx, tx, t.next, t.live)
		if err != nil {
			return err
		}
		retired := t.live + "_retired"
		stmts = append(stmts,
			`ALTER TABLE `+t.live+` RENAME TO `+retired,
			`ALTER TABLE `+t.next+` RENAME TO `+t.live,
			`DROP TABLE `+retired)
		for next, live := range names {
			stmts = append(stmts, `ALTER INDEX `+pgx.Identifier{next}.Sanitize()+` RENAME TO `+pgx.Identifier{live}.Sanitize())
		}
	}
	for _, stmt := range stmts {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

// indexNames pairs each index of table next with the index of table live
// that has the same definition: next's name → live's.
func indexNames(ctx context.Context, tx pgx.Tx, next, live string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `
SELECT n.indexname, l.indexname
FROM pg_indexes n JOIN pg_indexes l ON l.schemaname = n.schemaname AND l.tablename = $2
	AND regexp_replace(n.indexdef, ' INDEX \S+ ON \S+ ', ' INDEX ON ') = regexp_replace(l.indexdef, ' INDEX \S+ ON \S+ ', ' INDEX ON ')
WHERE n.schemaname = current_schema() AND n.tablename = $1`, next, live)
	if err != nil {
		return nil, fmt.Errorf("index names: %w", err)
	}
	names := map[string]string{}
	for rows.Next() {
		var n, l string
		if err := rows.Scan(&n, &l); err != nil {
			return nil, fmt.Errorf("index names: %w", err)
		}
		names[n] = l
	}
	return names, rows.Err()
}
