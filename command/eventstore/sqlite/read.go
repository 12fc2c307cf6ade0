package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
)

const eventColumns = `position, event_id, stream, revision, type, data, metadata, created`

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	events, err := s.readStream(ctx, stream, from, limit)
	if err != nil {
		return nil, fmt.Errorf("read stream %q: %w", stream, err)
	}
	return events, nil
}

// readStream reads in one read transaction, so that "not found" and the
// events come from the same snapshot.
func (s *Store) readStream(ctx context.Context, stream string, from uint64, limit int) (events []eventstore.RecordedEvent, err error) {
	tx, err := s.readDB.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, endRead(tx)) }()

	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := tx.QueryContext(ctx,
		`SELECT `+eventColumns+` FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
		stream, toInt64(from), limit)
	if err != nil {
		return nil, err
	}
	if events, err = scanEvents(rows, nil); err != nil || len(events) > 0 {
		return events, err
	}
	// Nothing at or after from: either the stream ends before from, or
	// there is no stream.
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM events WHERE stream = ? LIMIT 1`, stream).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, eventstore.ErrStreamNotFound
	}
	return []eventstore.RecordedEvent{}, err
}

// endRead ends a read transaction. A transaction that the context already
// ended has nothing left to end.
func endRead(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

// scanEvents appends rows' events (selected as eventColumns) to events and
// closes rows.
func scanEvents(rows *sql.Rows, events []eventstore.RecordedEvent) ([]eventstore.RecordedEvent, error) {
	defer rows.Close()
	for rows.Next() {
		var (
			e            eventstore.RecordedEvent
			pos, rev, ns int64
			id           []byte
		)
		if err := rows.Scan(&pos, &id, &e.Stream, &rev, &e.Type, &e.Data, &e.Metadata, &ns); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		var err error
		if e.ID, err = uuid.FromBytes(id); err != nil {
			return nil, fmt.Errorf("event at position %d: %w", pos, err)
		}
		e.Revision = uint64(rev)
		e.Position = eventstore.Position{Commit: uint64(pos), Prepare: uint64(pos)}
		e.Created = time.Unix(0, ns).UTC()
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return events, nil
}

// toInt64 maps a uint64 offset onto SQLite's signed integers; nothing is
// stored beyond math.MaxInt64, so clamping keeps the comparison's meaning.
func toInt64(n uint64) int64 {
	if n > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(n)
}
