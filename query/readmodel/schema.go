package readmodel

import (
	"context"
	"database/sql"
	"fmt"
)

// Execer runs statements: a *sql.DB, *sql.Conn or *sql.Tx.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Querier runs statements and queries: a *sql.DB, *sql.Conn or *sql.Tx.
type Querier interface {
	Execer
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// tablesDDL is what every read-model file holds from its first write: the
// customers table with its primary key, and the projections' checkpoints
// (and countsDDL, the counters).
const tablesDDL = `
CREATE TABLE IF NOT EXISTS customers (
	id             TEXT PRIMARY KEY,
	parent_org_id  TEXT NOT NULL,
	name           TEXT NOT NULL,
	name_key       TEXT NOT NULL,
	description    TEXT NOT NULL,
	custom_data    TEXT NOT NULL,
	vat            TEXT NOT NULL,
	vat_normalized TEXT NOT NULL,
	logo_url       TEXT NOT NULL,
	dark_logo_url  TEXT NOT NULL,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	version        INTEGER NOT NULL,
	search_text    TEXT NOT NULL,
	handle         INTEGER -- the row's number in the search index (searchindex.go)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
	projection TEXT PRIMARY KEY,
	position   INTEGER NOT NULL
) WITHOUT ROWID;
`

// indexesDDL are the secondary indexes the list queries sort and filter
// by. Writes never need them, so a bulk load builds them once at the end.
const indexesDDL = `
CREATE INDEX IF NOT EXISTS customers_parent_created ON customers(parent_org_id, created_at, id);
CREATE INDEX IF NOT EXISTS customers_parent_name ON customers(parent_org_id, name_key, id);
CREATE INDEX IF NOT EXISTS customers_parent_updated ON customers(parent_org_id, updated_at, id);
CREATE INDEX IF NOT EXISTS customers_created ON customers(created_at, id);
CREATE INDEX IF NOT EXISTS customers_name ON customers(name_key, id);
CREATE INDEX IF NOT EXISTS customers_updated ON customers(updated_at, id);
CREATE UNIQUE INDEX IF NOT EXISTS customers_handle ON customers(handle);
`

// CreateSchema creates what is missing of the read model's schema: the
// tables and their indexes, and the search index's handles of rows
// without one. It is idempotent.
func CreateSchema(ctx context.Context, db Querier) error {
	if err := CreateTables(ctx, db); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, assignHandles); err != nil {
		return fmt.Errorf("number customers for the search index: %w", err)
	}
	return CreateIndexes(ctx, db)
}

// CreateTables creates what is missing of the tables, without the
// secondary indexes; upserts and checkpoints work on the tables alone.
func CreateTables(ctx context.Context, db Querier) error {
	if _, err := db.ExecContext(ctx, tablesDDL+countsDDL+searchDDL); err != nil {
		return fmt.Errorf("create read model tables: %w", err)
	}
	// The index merges its segments a little at each write, rather than a
	// whole level at once (which rewrites much of the index in one commit,
	// and the write-ahead log with it).
	if _, err := db.ExecContext(ctx, `INSERT INTO customer_search(customer_search) VALUES('automerge=8')`); err != nil {
		return fmt.Errorf("create read model tables: %w", err)
	}
	return addHandleColumn(ctx, db)
}

// CreateIndexes creates what is missing of the secondary indexes.
func CreateIndexes(ctx context.Context, db Execer) error {
	if _, err := db.ExecContext(ctx, indexesDDL); err != nil {
		return fmt.Errorf("create read model indexes: %w", err)
	}
	return nil
}
