package esdb

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
)

// ErrInvalidAppend is matched by appends refused before reaching the
// server: no stream name, no events, an event without an ID, or metadata
// that sets $correlationId or $causationId itself.
var ErrInvalidAppend = errors.New("invalid append")

// Append implements eventstore.Store. The server answers once the events
// are written to its log; an Append that fails because ctx ended may have
// been written or not, and retrying it with the same events is safe.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.WriteResult, error) {
	proposed, err := toProposed(stream, events)
	if err != nil {
		return eventstore.WriteResult{}, fmt.Errorf("append to %q: %w: %w", stream, ErrInvalidAppend, err)
	}
	opts := esdbclient.AppendToStreamOptions{ExpectedRevision: toExpected(expected)}
	var res *esdbclient.WriteResult
	err = s.call(func(c *esdbclient.Client) (err error) {
		res, err = c.AppendToStream(ctx, stream, opts, proposed...)
		return err
	})
	switch {
	case hasCode(err, esdbclient.ErrorCodeWrongExpectedVersion):
		return eventstore.WriteResult{}, s.wrongExpectedVersion(ctx, stream, expected, err)
	case hasCode(err, esdbclient.ErrorCodeConnectionClosed), hasCode(err, esdbclient.ErrorUnavailable):
		// No server found, or none that takes requests.
		return eventstore.WriteResult{}, fmt.Errorf("append to %q: %w: %w", stream, eventstore.ErrUnavailable, err)
	case err != nil:
		return eventstore.WriteResult{}, fmt.Errorf("append to %q: %w", stream, err)
	}
	wr := eventstore.WriteResult{
		NextRevision: res.NextExpectedVersion,
		Position:     eventstore.Position{Commit: res.CommitPosition, Prepare: res.PreparePosition},
	}
	if wr.Position == eventstore.Start {
		// Some servers answer a retried append without a position.
		if wr.Position, err = s.positionOf(ctx, stream, wr.NextRevision); err != nil {
			return eventstore.WriteResult{}, fmt.Errorf("append to %q: %w", stream, err)
		}
	}
	return wr, nil
}

func toProposed(stream string, events []eventstore.EventData) ([]esdbclient.EventData, error) {
	var errs []error
	if stream == "" {
		errs = append(errs, errors.New("stream name is empty"))
	}
	if len(events) == 0 {
		errs = append(errs, errors.New("no events"))
	}
	proposed := make([]esdbclient.EventData, len(events))
	for i, e := range events {
		if e.ID == uuid.Nil {
			// The ID is the key of the server's deduplication; the client
			// would put a random one in its place.
			errs = append(errs, fmt.Errorf("event %d has no ID", i))
		}
		meta, err := toStored(e.Metadata)
		if err != nil {
			errs = append(errs, fmt.Errorf("event %d: %w", i, err))
		}
		proposed[i] = esdbclient.EventData{
			EventID: e.ID, EventType: e.Type, ContentType: esdbclient.ContentTypeJson, Data: e.Data, Metadata: meta,
		}
	}
	return proposed, errors.Join(errs...)
}

func toExpected(e eventstore.ExpectedRevision) esdbclient.ExpectedRevision {
	if rev, ok := e.Revision(); ok {
		return esdbclient.Revision(rev)
	}
	switch {
	case e.IsNoStream():
		return esdbclient.NoStream{}
	case e.IsStreamExists():
		return esdbclient.StreamExists{}
	}
	return esdbclient.Any{}
}

// currentRevision finds the stream's state in the client's error message,
// the only place the client puts it: "... but got '<revision|no_stream>'".
var currentRevision = regexp.MustCompile(`but got '(no_stream|\d+)'`)

// wrongExpectedVersion turns the server's refusal into the port's error.
// Should the message not say where the stream is, the stream is read.
func (s *Store) wrongExpectedVersion(ctx context.Context, stream string, expected eventstore.ExpectedRevision, err error) error {
	wev := &eventstore.WrongExpectedVersionError{Stream: stream, Expected: expected}
	if m := currentRevision.FindStringSubmatch(err.Error()); m != nil {
		if m[1] != "no_stream" {
			wev.Current, _ = strconv.ParseUint(m[1], 10, 64) // \d+ from a uint64
			wev.Exists = true
		}
		return wev
	}
	last, readErr := s.readLast(ctx, stream)
	switch {
	case errors.Is(readErr, eventstore.ErrStreamNotFound):
	case readErr != nil:
		return errors.Join(wev, fmt.Errorf("read where the stream is: %w", readErr))
	default:
		wev.Current, wev.Exists = last.Revision, true
	}
	return wev
}

// positionOf returns the position of a stream's event.
func (s *Store) positionOf(ctx context.Context, stream string, revision uint64) (eventstore.Position, error) {
	events, err := s.ReadStream(ctx, stream, revision, 1)
	if err != nil {
		return eventstore.Start, err
	}
	if len(events) == 0 {
		return eventstore.Start, fmt.Errorf("position of revision %d: %w", revision, eventstore.ErrStreamNotFound)
	}
	return events[0].Position, nil
}
