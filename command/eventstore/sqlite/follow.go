package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/customersvc/customersvc/command/eventstore"
)

const (
	// followBatch caps the events read and handed over at once.
	followBatch = 1000
	// followPoll is how long Follow waits without a commit before looking
	// anyway, as a fallback for a commit it was not told about (another
	// process writing the file).
	followPoll = time.Second
)

// Follow implements eventstore.Store. A batch reaches the log head
// the read saw when the read reached it, else its last event: a follower
// whose filter matches little still advances, without extra empty batches.
// A batch without events comes only when the head moved.
func (s *Store) Follow(ctx context.Context, from eventstore.Position, filter eventstore.Filter, handle func(context.Context, eventstore.Batch) error) error {
	q := newLogQuery(filter)
	after := toInt64(from.Commit)
	poll := time.NewTimer(followPoll)
	defer poll.Stop()
	for {
		// Taken before reading: a commit after the read closes this channel.
		woken := s.commits.wait()
		page, err := s.readLog(ctx, q, after)
		if err != nil {
			return s.followError(ctx, err)
		}
		if page.reached > after {
			if err := handle(ctx, page.batch); err != nil {
				return err
			}
			after = page.reached
		}
		if page.full {
			continue
		}
		poll.Reset(followPoll)
		select {
		case <-woken:
		case <-poll.C:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closing:
			return ErrClosed
		}
	}
}

func (s *Store) followError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	select {
	case <-s.closing:
		return ErrClosed
	default:
		return fmt.Errorf("follow: %w", err)
	}
}

// logPage is one read of the log after a position.
type logPage struct {
	batch   eventstore.Batch
	reached int64
	full    bool // followBatch events: more may follow before the head
}

// readLog reads the head and the matching events up to it in one snapshot,
// so that the position reached is true: nothing before it is still to come.
func (s *Store) readLog(ctx context.Context, q logQuery, after int64) (page logPage, err error) {
	tx, err := s.readDB.BeginTx(ctx, nil)
	if err != nil {
		return logPage{}, err
	}
	defer func() { err = errors.Join(err, endRead(tx)) }()

	var head int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(position), 0) FROM events`).Scan(&head); err != nil {
		return logPage{}, fmt.Errorf("read log head: %w", err)
	}
	if head <= after {
		return logPage{reached: after}, nil
	}
	rows, err := tx.QueryContext(ctx, q.sql, append([]any{after, head}, q.args...)...)
	if err != nil {
		return logPage{}, fmt.Errorf("read log: %w", err)
	}
	events, err := scanEvents(rows, nil)
	if err != nil {
		return logPage{}, err
	}
	page = logPage{reached: head, full: len(events) == followBatch}
	if page.full {
		page.reached = int64(events[len(events)-1].Position.Commit)
	}
	cp := uint64(page.reached)
	page.batch = eventstore.Batch{Events: events, Reached: eventstore.Position{Commit: cp, Prepare: cp}}
	return page, nil
}

// logQuery selects a page of events in (after, head] matching a filter.
type logQuery struct {
	sql  string
	args []any
}

// newLogQuery turns each prefix into a range of stream names, [prefix,
// prefix with its last byte incremented): the BINARY collation compares
// bytes, so the range is exactly the names with that prefix, and no LIKE
// escaping or case folding gets in the way.
func newLogQuery(filter eventstore.Filter) logQuery {
	var terms []string
	var args []any
	for _, prefix := range filter.StreamPrefixes {
		if prefix == "" {
			terms, args = nil, nil // matches every stream
			break
		}
		if upper, ok := prefixEnd(prefix); ok {
			terms = append(terms, "(stream >= ? AND stream < ?)")
			args = append(args, prefix, upper)
		} else {
			terms = append(terms, "stream >= ?")
			args = append(args, prefix)
		}
	}
	where := "position > ? AND position <= ?"
	if len(terms) > 0 {
		where += " AND (" + strings.Join(terms, " OR ") + ")"
	}
	return logQuery{
		sql:  fmt.Sprintf(`SELECT %s FROM events WHERE %s ORDER BY position LIMIT %d`, eventColumns, where, followBatch),
		args: args,
	}
}

// prefixEnd returns the least string greater than every string with the
// prefix, or false when there is none (the prefix is all 0xff bytes).
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}
