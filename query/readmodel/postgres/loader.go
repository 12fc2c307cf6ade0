package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
)

// The copy a rebuild loads lives beside the live tables, in tables of
// these names, until SwitchToCopy renames it into their place.
const (
	nextCustomers   = "customers_next"
	nextCheckpoints = "checkpoints_next"
	nextCounts      = "customer_counts_next"
)

// rebuildLock is the advisory lock a Loader holds, so that one rebuild at
// a time, across all replicas, loads the copy.
const rebuildLock = 0x637573746f6d6572 // "customer"

// Loader fills the copy of the read model a rebuild builds: tables that
// nobody reads yet, beside the live ones, with their schema (LIKE … INCLUDING
// ALL, so indexes and all, but for the lateIndexes, which Finish builds
// once the rows are in). It commits many batches at once, with the
// copy's checkpoint, so an interrupted load resumes from its last commit;
// a copy left by an earlier load is loaded into again, unless the live
// schema changed since, when it starts over.
//
// A Loader holds a session lock from OpenCopy to Close: one rebuild at a
// time, whichever replica runs it. It is for one goroutine at a time.
type Loader struct {
	pool *pgxpool.Pool
	lock *pgxpool.Conn
}

var _ readmodel.Copy = (*Loader)(nil)

// OpenCopy opens the copy for loading, creating it if needed: a *Loader,
// as the rebuild's interface has it.
func (s *Store) OpenCopy(ctx context.Context) (readmodel.Copy, error) {
	lock, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("read model: open copy: %w", err)
	}
	var locked bool
	if err := lock.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(rebuildLock)).Scan(&locked); err != nil || !locked {
		lock.Release()
		return nil, errors.Join(readmodel.ErrCopyInUse, err)
	}
	l := &Loader{pool: s.pool, lock: lock}
	if err := l.create(ctx); err != nil {
		return nil, errors.Join(err, l.Close())
	}
	return l, nil
}

// countNextOnce fills the copy's counters from its rows when it has rows
// and no overall counter.
const countNextOnce = `
INSERT INTO ` + nextCounts + ` (scope, slot, customers)
	SELECT 'parent:' || parent_org_id, 0, count(*) FROM ` + nextCustomers + ` GROUP BY parent_org_id
	UNION ALL
	SELECT 'all', 0, count(*) FROM ` + nextCustomers + ` HAVING count(*) > 0
ON CONFLICT DO NOTHING`

// create makes the copy's tables, dropping those of a load on another
// schema than the live one.
func (l *Loader) create(ctx context.Context) error {
	same, err := sameColumns(ctx, l.pool, nextCustomers, "customers")
	if err == nil && !same {
		_, err = l.pool.Exec(ctx, `DROP TABLE IF EXISTS `+nextCustomers+`, `+nextCheckpoints+`, `+nextCounts)
	}
	if err == nil {
		_, err = l.pool.Exec(ctx, `
CREATE TABLE IF NOT EXISTS `+nextCustomers+` (LIKE customers INCLUDING ALL);
CREATE TABLE IF NOT EXISTS `+nextCheckpoints+` (LIKE checkpoints INCLUDING ALL);
CREATE TABLE IF NOT EXISTS `+nextCounts+` (LIKE customer_counts INCLUDING ALL)`)
	}
	if err == nil {
		// A copy an earlier version left has rows but no counters yet.
		_, err = l.pool.Exec(ctx, countNextOnce)
	}
	if err == nil {
		err = dropLateIndexes(ctx, l.pool)
	}
	if err != nil {
		return fmt.Errorf("read model: create copy: %w", err)
	}
	return nil
}

// lateIndexes are the copy's indexes that Finish builds, once, after the
// load, rather than the load keeping them up to date row by row: the GIN
// ones (the search's trigrams, migration 000003), which cost each row
// dozens of index entries, and are built several times faster in one go.
const lateIndexes = `SELECT indexname FROM pg_indexes
WHERE schemaname = current_schema() AND tablename = '` + nextCustomers + `' AND indexdef LIKE '% USING gin %'`

// dropLateIndexes drops the copy's lateIndexes, also those of a copy that
// an interrupted load left: Finish builds them again.
func dropLateIndexes(ctx context.Context, db *pgxpool.Pool) error {
	rows, err := db.Query(ctx, lateIndexes)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, name := range names {
		if _, err := db.Exec(ctx, `DROP INDEX `+pgx.Identifier{name}.Sanitize()); err != nil {
			return err
		}
	}
	return nil
}

// missingIndexes are the definitions of the live customers' indexes that
// the copy has no index like (as indexNames pairs them), made definitions
// of an index of the copy, named by PostgreSQL.
const missingIndexes = `
SELECT regexp_replace(l.indexdef, ' INDEX \S+ ON \S+ ', ' INDEX ON ` + nextCustomers + ` ')
FROM pg_indexes l
WHERE l.schemaname = current_schema() AND l.tablename = 'customers' AND NOT EXISTS (
	SELECT FROM pg_indexes n WHERE n.schemaname = l.schemaname AND n.tablename = '` + nextCustomers + `'
		AND regexp_replace(n.indexdef, ' INDEX \S+ ON \S+ ', ' INDEX ON ') = regexp_replace(l.indexdef, ' INDEX \S+ ON \S+ ', ' INDEX ON '))`

// sameColumns reports whether tables a and b have the same columns, in
// the same order; true when a does not exist.
func sameColumns(ctx context.Context, db *pgxpool.Pool, a, b string) (bool, error) {
	const columns = `SELECT coalesce(string_agg(column_name || ' ' || data_type || ' ' || coalesce(collation_name, ''), ',' ORDER BY ordinal_position), '')
FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`
	var ca, cb string
	if err := db.QueryRow(ctx, columns, a).Scan(&ca); err != nil {
		return false, err
	}
	if err := db.QueryRow(ctx, columns, b).Scan(&cb); err != nil {
		return false, err
	}
	return ca == "" || ca == cb, nil
}

// Checkpoint returns the copy's checkpoint of projection, 0 for none.
func (l *Loader) Checkpoint(ctx context.Context, projection string) (uint64, error) {
	var pos int64
	err := l.pool.QueryRow(ctx, `SELECT position FROM `+nextCheckpoints+` WHERE projection = $1`, projection).Scan(&pos)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read model: copy checkpoint: %w", err)
	}
	return uint64(pos), nil
}

// Load saves the batches in order, as readmodel.Loader.Load does: rows
// built from the log, a customer replaced only by a newer Version, the
// checkpoint kept at the highest position, many batches to a transaction.
// It commits what it has when batches ends, also when the load was
// interrupted.
func (l *Loader) Load(ctx context.Context, projection string, batches iter.Seq[readmodel.Batch], opts readmodel.LoadOptions) error {
	if opts.CommitEvery <= 0 {
		opts.CommitEvery = 10_000
	}
	pending := map[string]query.Customer{}
	customers, at := 0, uint64(0)
	for b := range batches {
		for _, c := range b.Customers {
			if old, ok := pending[c.ID]; !ok || c.Version > old.Version {
				pending[c.ID] = c
			}
		}
		customers, at = customers+len(b.Customers), max(at, b.Position)
		if customers < opts.CommitEvery {
			continue
		}
		if err := l.commit(ctx, projection, pending, at, customers, opts); err != nil {
			return err
		}
		clear(pending)
		customers = 0
	}
	if at == 0 {
		return nil
	}
	return l.commit(ctx, projection, pending, at, customers, opts)
}

// upsertNext writes rows into the copy; a row stays when it holds a newer
// version already.
var upsertNext = strings.Replace(insertRows, "INSERT INTO customers ", "INSERT INTO "+nextCustomers+" ", 1) + `
ON CONFLICT (id) DO UPDATE SET parent_org_id = excluded.parent_org_id, name = excluded.name,
	name_key = excluded.name_key, description = excluded.description, custom_data = excluded.custom_data,
	vat = excluded.vat, vat_normalized = excluded.vat_normalized, logo_url = excluded.logo_url,
	dark_logo_url = excluded.dark_logo_url, created_at = excluded.created_at, updated_at = excluded.updated_at,
	version = excluded.version, search_text = excluded.search_text
WHERE excluded.version > ` + nextCustomers + `.version`

var saveNextCheckpoint = strings.ReplaceAll(saveCheckpoint, "checkpoints", nextCheckpoints)

func (l *Loader) commit(ctx context.Context, projection string, rows map[string]query.Customer, at uint64, customers int, opts readmodel.LoadOptions) error {
	// Not ctx: an interrupted load still commits what it read.
	ctx = context.WithoutCancel(ctx)
	err := pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
		var cols columns
		for _, id := range slices.Sorted(maps.Keys(rows)) {
			cols.add(rows[id])
		}
		if cols.n > 0 {
			stored, err := storedInCopy(ctx, tx, cols.id)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, upsertNext, cols.args()...); err != nil {
				return err
			}
			if err := addCountsTo(ctx, tx, nextCounts, 0, readmodel.CountDeltas(newer(rows, stored), stored)); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, saveNextCheckpoint, projection, int64(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("read model: load copy: %w", err)
	}
	if opts.Committed != nil {
		opts.Committed(at, customers)
	}
	return nil
}

// storedInCopy reads the parent and version of the rows of ids the copy
// holds already; the Loader's lock keeps other writers off the copy.
func storedInCopy(ctx context.Context, tx pgx.Tx, ids []string) (map[string]query.Customer, error) {
	rows, err := tx.Query(ctx, `SELECT id, parent_org_id, version FROM `+nextCustomers+` WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	stored := map[string]query.Customer{}
	for rows.Next() {
		var c query.Customer
		if err := rows.Scan(&c.ID, &c.ParentOrganizationID, &c.Version); err != nil {
			return nil, err
		}
		stored[c.ID] = c
	}
	return stored, rows.Err()
}

// newer are the rows that upsertNext writes: those not stored, and those
// of a newer version than stored.
func newer(rows, stored map[string]query.Customer) []query.Customer {
	var out []query.Customer
	for id, c := range rows {
		if old, ok := stored[id]; !ok || c.Version > old.Version {
			out = append(out, c)
		}
	}
	return out
}

// Finish builds the copy's lateIndexes, which the live table has and the
// copy has not (the load kept the others up to date all along), and
// vacuums the copy, updating its statistics for the planner, which
// chooses by them between the search's index and the sort order's
// (read.go's filter, search.go's estimate), and its visibility map, which
// lets a page by number find the row before it on the sort's index alone
// (read.go's rowBefore): without it, until autovacuum comes by, each
// index entry skipped costs a heap read. The rows a switch-over's
// catch-up loads after go into the indexes as they come.
func (l *Loader) Finish(ctx context.Context) error {
	rows, err := l.pool.Query(ctx, missingIndexes)
	if err != nil {
		return fmt.Errorf("read model: index copy: %w", err)
	}
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("read model: index copy: %w", err)
	}
	for _, def := range defs {
		if _, err := l.pool.Exec(ctx, def); err != nil {
			return fmt.Errorf("read model: index copy: %s: %w", def, err)
		}
	}
	// VACUUM runs outside a transaction: one statement, no arguments.
	if _, err := l.pool.Exec(ctx, `VACUUM (ANALYZE) `+nextCustomers); err != nil {
		return fmt.Errorf("read model: vacuum copy: %w", err)
	}
	return nil
}

// Close lets another rebuild load the copy.
func (l *Loader) Close() error {
	_, err := l.lock.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(rebuildLock))
	l.lock.Release()
	if err != nil {
		return fmt.Errorf("read model: close copy: %w", err)
	}
	return nil
}
