package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
)

var (
	// ErrInvalidAppend is matched by appends refused before reaching the
	// writer: no stream name, no events, or an event without an ID.
	ErrInvalidAppend = errors.New("invalid append")
	// ErrDuplicateEventID says an append's event ID is already stored
	// elsewhere than a retry of the same append would have put it.
	ErrDuplicateEventID = errors.New("event ID already stored")
)

// appendRequest travels from Append to the writer, which answers on reply.
type appendRequest struct {
	stream   string
	expected eventstore.ExpectedRevision
	events   []eventstore.EventData
	reply    chan appendReply // buffered, so the writer never waits on it
}

type appendReply struct {
	result eventstore.WriteResult
	err    error
}

// Append implements eventstore.Store. ctx only bounds the wait for the
// writer to take the append; once taken, the append completes and Append
// returns its outcome, so a caller never sees a cancellation for an append
// that was in fact written.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.WriteResult, error) {
	if err := validateAppend(stream, events); err != nil {
		return eventstore.WriteResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return eventstore.WriteResult{}, fmt.Errorf("append to %q: %w", stream, err)
	}
	req := &appendRequest{stream: stream, expected: expected, events: events, reply: make(chan appendReply, 1)}
	select {
	case s.requests <- req:
	case <-ctx.Done():
		return eventstore.WriteResult{}, fmt.Errorf("append to %q: %w", stream, ctx.Err())
	case <-s.closing:
		return eventstore.WriteResult{}, fmt.Errorf("append to %q: %w", stream, ErrClosed)
	}
	r := <-req.reply
	return r.result, r.err
}

func validateAppend(stream string, events []eventstore.EventData) error {
	var errs []error
	if stream == "" {
		errs = append(errs, errors.New("stream name is empty"))
	}
	if len(events) == 0 {
		errs = append(errs, errors.New("no events"))
	}
	for i, e := range events {
		if e.ID == uuid.Nil {
			// The ID is the key of retry deduplication; a nil ID would make
			// unrelated appends look like retries of each other.
			errs = append(errs, fmt.Errorf("event %d has no ID", i))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("append to %q: %w: %w", stream, ErrInvalidAppend, errors.Join(errs...))
	}
	return nil
}
