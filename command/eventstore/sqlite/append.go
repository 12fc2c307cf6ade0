package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
)

var (
	_ eventstore.MultiStreamAppender = (*Store)(nil)

	// ErrInvalidAppend is matched by appends refused before reaching the
	// writer: no stream name, no events, or an event without an ID.
	ErrInvalidAppend = errors.New("invalid append")
	// ErrDuplicateEventID says an append's event ID is already stored
	// elsewhere than a retry of the same append would have put it.
	ErrDuplicateEventID = errors.New("event ID already stored")
)

// appendRequest travels from Append or AppendMulti to the writer, which
// answers on reply. Its parts are written all or none.
type appendRequest struct {
	parts []eventstore.StreamAppend
	reply chan appendReply // buffered, so the writer never waits on it
}

type appendReply struct {
	results []eventstore.WriteResult // one per part
	err     error
}

// Append implements eventstore.Store. ctx only bounds the wait for the
// writer to take the append; once taken, the append completes and Append
// returns its outcome, so a caller never sees a cancellation for an append
// that was in fact written.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.WriteResult, error) {
	results, err := s.submit(ctx, eventstore.StreamAppend{Stream: stream, Expected: expected, Events: events})
	if err != nil {
		return eventstore.WriteResult{}, err
	}
	return results[0], nil
}

// AppendMulti implements eventstore.MultiStreamAppender: the appends share
// one savepoint inside a batch, so they commit together or not at all. A
// retry of an AppendMulti that succeeded returns its results again, as a
// retried Append does; ctx works as for Append.
func (s *Store) AppendMulti(ctx context.Context, appends ...eventstore.StreamAppend) ([]eventstore.WriteResult, error) {
	return s.submit(ctx, appends...)
}

func (s *Store) submit(ctx context.Context, parts ...eventstore.StreamAppend) ([]eventstore.WriteResult, error) {
	if err := validateAppend(parts); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", describe(parts), err)
	}
	req := &appendRequest{parts: parts, reply: make(chan appendReply, 1)}
	select {
	case s.requests <- req:
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", describe(parts), ctx.Err())
	case <-s.closing:
		return nil, fmt.Errorf("%s: %w", describe(parts), ErrClosed)
	}
	r := <-req.reply
	return r.results, r.err
}

func validateAppend(parts []eventstore.StreamAppend) error {
	var errs []error
	if len(parts) == 0 {
		errs = append(errs, errors.New("no streams"))
	}
	for _, p := range parts {
		if p.Stream == "" {
			errs = append(errs, errors.New("stream name is empty"))
		}
		if len(p.Events) == 0 {
			errs = append(errs, fmt.Errorf("no events for %q", p.Stream))
		}
		for i, e := range p.Events {
			if e.ID == uuid.Nil {
				// The ID is the key of retry deduplication; a nil ID would
				// make unrelated appends look like retries of each other.
				errs = append(errs, fmt.Errorf("event %d for %q has no ID", i, p.Stream))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s: %w: %w", describe(parts), ErrInvalidAppend, errors.Join(errs...))
	}
	return nil
}

// describe names an append's streams for its errors.
func describe(parts []eventstore.StreamAppend) string {
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = fmt.Sprintf("%q", p.Stream)
	}
	return "append to " + strings.Join(names, ", ")
}
