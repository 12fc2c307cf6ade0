package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
)

// maxAttempts bounds how often ApplyEvents runs a batch again after
// losing a race with another Store.
const maxAttempts = 10

// errRaced says another Store inserted a customer this batch took for new.
var errRaced = errors.New("another writer created a customer of the batch")

// ApplyEvents implements query.ReadModelWriter, safely beside other Stores
// applying to the same database: the batch's stored rows are read with
// SELECT … FOR UPDATE, in ID order, so no other writer changes them until
// the commit; a customer not stored yet is inserted with ON CONFLICT DO
// NOTHING, and if another writer inserted it first the batch is rolled
// back and run again, finding the row now. So no event is lost or applied
// twice. The counters move in the same transaction, by the rows it
// inserts. A deadlock or serialization failure PostgreSQL reports is run
// again too.
func (s *Store) ApplyEvents(ctx context.Context, events []query.CustomerEvent, projection string) ([]query.Outcome, error) {
	if len(events) == 0 {
		return nil, nil
	}
	for attempt := 1; ; attempt++ {
		outcomes, err := s.applyOnce(ctx, events, projection)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return outcomes, err
		}
		if errors.Is(err, errRaced) {
			s.raced.Add(1)
		}
	}
}

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40P01" || pgErr.Code == "40001" // deadlock_detected, serialization_failure
	}
	return errors.Is(err, errRaced)
}

func (s *Store) applyOnce(ctx context.Context, events []query.CustomerEvent, projection string) (outcomes []query.Outcome, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("read model: begin: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback(context.WithoutCancel(ctx)))
		}
	}()
	stored, err := lockRows(ctx, tx, query.CustomerIDs(events))
	if err != nil {
		return nil, err
	}
	fold := query.FoldBatch(events, stored)
	if err := writeRows(ctx, tx, fold.Changed, stored); err != nil {
		return nil, err
	}
	if err := addCountsTo(ctx, tx, "customer_counts", slotOf(events), readmodel.CountDeltas(fold.Changed, stored)); err != nil {
		return nil, err
	}
	if fold.Moved {
		if _, err := tx.Exec(ctx, saveCheckpoint, projection, int64(fold.Position)); err != nil {
			return nil, fmt.Errorf("read model: save checkpoint: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("read model: commit: %w", err)
	}
	return fold.Outcomes, nil
}

const saveCheckpoint = `
INSERT INTO checkpoints (projection, position) VALUES ($1, $2)
ON CONFLICT (projection) DO UPDATE SET position = GREATEST(checkpoints.position, excluded.position)`

// lockRows reads the stored rows of the customers ids and locks them
// until the transaction ends.
func lockRows(ctx context.Context, tx pgx.Tx, ids []string) (map[string]query.Customer, error) {
	rows, err := tx.Query(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("read model: lock customers: %w", err)
	}
	defer rows.Close()
	stored := make(map[string]query.Customer, len(ids))
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, fmt.Errorf("read model: lock customers: %w", err)
		}
		stored[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read model: lock customers: %w", err)
	}
	return stored, nil
}

// writeRows inserts the changed rows that were not stored and updates the
// others, one statement each. The rows come in ID order, so concurrent
// inserts wait for each other in one order and cannot deadlock.
func writeRows(ctx context.Context, tx pgx.Tx, changed []query.Customer, stored map[string]query.Customer) error {
	var inserts, updates columns
	for _, c := range changed {
		if _, ok := stored[c.ID]; ok {
			updates.add(c)
		} else {
			inserts.add(c)
		}
	}
	if inserts.n > 0 {
		tag, err := tx.Exec(ctx, insertRows+` ON CONFLICT (id) DO NOTHING`, inserts.args()...)
		if err != nil {
			return fmt.Errorf("read model: insert customers: %w", err)
		}
		if tag.RowsAffected() != int64(inserts.n) {
			return errRaced
		}
	}
	if updates.n > 0 {
		if _, err := tx.Exec(ctx, updateRows, updates.args()...); err != nil {
			return fmt.Errorf("read model: update customers: %w", err)
		}
	}
	return nil
}

// insertRows and updateRows write many rows in one statement, each column
// bound as one array.
const (
	rowsFrom = `unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::bytea[],
	$7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bytea[])`
	insertRows = `
INSERT INTO customers (id, parent_org_id, name, name_key, description, custom_data,
	vat, vat_normalized, logo_url, dark_logo_url, created_at, updated_at, version, search_text)
SELECT * FROM ` + rowsFrom
	updateRows = `
UPDATE customers AS c SET parent_org_id = r.parent_org_id, name = r.name, name_key = r.name_key,
	description = r.description, custom_data = r.custom_data, vat = r.vat,
	vat_normalized = r.vat_normalized, logo_url = r.logo_url, dark_logo_url = r.dark_logo_url,
	created_at = r.created_at, updated_at = r.updated_at, version = r.version, search_text = r.search_text
FROM ` + rowsFrom + ` AS r(id, parent_org_id, name, name_key, description, custom_data,
	vat, vat_normalized, logo_url, dark_logo_url, created_at, updated_at, version, search_text)
WHERE c.id = r.id`
)

// columns are rows bound column by column, in the order of rowsFrom.
type columns struct {
	n                               int
	id, parent, name, nameKey       []string
	description, customData, search [][]byte
	vat, normalized, logo, darkLogo []string
	created, updated, version       []int64
}

func (cs *columns) add(c query.Customer) {
	nameKey, search := readmodel.SearchKeys(c)
	cs.n++
	cs.id, cs.parent = append(cs.id, c.ID), append(cs.parent, c.ParentOrganizationID)
	cs.name, cs.nameKey = append(cs.name, c.Name), append(cs.nameKey, nameKey)
	cs.description = append(cs.description, []byte(c.Description))
	cs.customData = append(cs.customData, nonNil(c.CustomData))
	cs.vat, cs.normalized = append(cs.vat, c.VAT), append(cs.normalized, c.NormalizedVAT)
	cs.logo, cs.darkLogo = append(cs.logo, c.Branding.LogoURL), append(cs.darkLogo, c.Branding.DarkLogoURL)
	cs.created, cs.updated = append(cs.created, c.CreatedAt.UnixNano()), append(cs.updated, c.UpdatedAt.UnixNano())
	cs.version, cs.search = append(cs.version, c.Version), append(cs.search, []byte(search))
}

func (cs *columns) args() []any {
	return []any{cs.id, cs.parent, cs.name, cs.nameKey, cs.description, cs.customData,
		cs.vat, cs.normalized, cs.logo, cs.darkLogo, cs.created, cs.updated, cs.version, cs.search}
}

// nonNil is b, or no bytes rather than NULL: the columns are NOT NULL, and
// SQLite stores a nil custom data as ”.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Checkpoint implements query.ReadModelWriter.
func (s *Store) Checkpoint(ctx context.Context, projection string) (uint64, error) {
	var pos int64
	err := s.pool.QueryRow(ctx, `SELECT position FROM checkpoints WHERE projection = $1`, projection).Scan(&pos)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read model: read checkpoint: %w", err)
	}
	return uint64(pos), nil
}
