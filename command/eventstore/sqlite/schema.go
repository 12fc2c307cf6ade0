package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations[i] takes the schema from version i to i+1. The version is kept
// in PRAGMA user_version; a change to the schema is a new entry here.
var migrations = []string{schemaV1}

// schemaV1 is one globally ordered log. position is the row id, so it is
// assigned in commit order by the single writer and never reused once
// committed. A stream's last revision is read from the (stream, revision)
// index that enforces uniqueness anyway, instead of from a second table that
// every append would have to update. STRICT keeps the driver from storing a
// value under another type.
const schemaV1 = `
CREATE TABLE IF NOT EXISTS events (
	position INTEGER PRIMARY KEY,
	event_id BLOB    NOT NULL UNIQUE CHECK (length(event_id) = 16),
	stream   TEXT    NOT NULL,
	revision INTEGER NOT NULL CHECK (revision >= 0),
	type     TEXT    NOT NULL,
	data     BLOB,
	metadata BLOB,
	created  INTEGER NOT NULL,
	UNIQUE (stream, revision)
) STRICT;
`

// migrate brings the database to the newest schema. It runs in one write
// transaction so that two processes opening a new file cannot both create it.
func migrate(ctx context.Context, conn *sql.Conn) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	var version int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this build's %d", version, len(migrations))
	}
	for v := max(version, 0); v < len(migrations); v++ {
		if _, err := conn.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit migration: %w", err)
	}
	return nil
}
