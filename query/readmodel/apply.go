package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/customersvc/customersvc/query"
)

// ApplyEvents implements query.ReadModelWriter. The rows of the batch's
// customers are read inside the write transaction, on the one writer
// connection, so nothing changes them between the read and the write; the
// counters move in the same transaction, by the rows it inserts.
func (s *Store) ApplyEvents(ctx context.Context, events []query.CustomerEvent, projection string) (outcomes []query.Outcome, err error) {
	if len(events) == 0 {
		return nil, nil
	}
	s.applies.Add(1)
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		}
	}()
	stored, handles, err := loadRows(ctx, tx.StmtContext(ctx, s.selectRow), query.CustomerIDs(events))
	if err != nil {
		return nil, err
	}
	fold := query.FoldBatch(events, stored)
	upsert := tx.StmtContext(ctx, s.upsert)
	var next, highest int64 // the next new handle, once read; the highest written
	for _, c := range fold.Changed {
		handle, ok := handles[c.ID]
		if old, found := stored[c.ID]; !ok || !found || searchTextChanged(old, c) {
			if next == 0 {
				if err := tx.QueryRowContext(ctx, `SELECT `+handleFloor+` + 1`).Scan(&next); err != nil {
					return nil, fmt.Errorf("number customer %s: %w", c.ID, err)
				}
			}
			handle, highest = next, next
			next++
		}
		values := rowValues(c, handle)
		if _, err := upsert.ExecContext(ctx, values[:]...); err != nil {
			return nil, fmt.Errorf("save customer %s: %w", c.ID, err)
		}
	}
	count := tx.StmtContext(ctx, s.addCount)
	for _, d := range CountDeltas(fold.Changed, stored) {
		if _, err := count.ExecContext(ctx, d.Scope, d.By); err != nil {
			return nil, fmt.Errorf("count customers: %w", err)
		}
	}
	if fold.Moved {
		if _, err := tx.ExecContext(ctx, saveCheckpoint, projection, int64(fold.Position)); err != nil {
			return nil, fmt.Errorf("save checkpoint: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	// The batch is committed: a failure to bound the log is the next
	// batch's to report, if it lasts.
	_ = s.boundWAL(ctx)
	if highest > 0 {
		s.wakeIndexer(highest)
	}
	return fold.Outcomes, nil
}

const selectRow = `SELECT ` + customerColumns + `, handle FROM customers WHERE id = ?`

// loadRows reads the stored rows of the customers ids, and their search
// handles; those without a row are absent.
func loadRows(ctx context.Context, stmt *sql.Stmt, ids []string) (map[string]query.Customer, map[string]int64, error) {
	rows := make(map[string]query.Customer, len(ids))
	handles := make(map[string]int64, len(ids))
	for _, id := range ids {
		var handle sql.NullInt64
		c, err := scanCustomer(stmt.QueryRowContext(ctx, id), &handle)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue
		case err != nil:
			return nil, nil, fmt.Errorf("read customer %s: %w", id, err)
		}
		rows[id] = c
		if handle.Valid {
			handles[id] = handle.Int64
		}
	}
	return rows, handles, nil
}

// searchTextChanged reports whether a search matches c otherwise than old.
func searchTextChanged(old, c query.Customer) bool {
	return old.Name != c.Name || old.Description != c.Description || old.VAT != c.VAT ||
		old.NormalizedVAT != c.NormalizedVAT
}
