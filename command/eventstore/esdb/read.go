package esdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/customersvc/customersvc/command/eventstore"
)

// ReadStream implements eventstore.Store. The server pages a long read
// itself; the events arrive on one gRPC stream.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	count := uint64(math.MaxInt64) // all: the server reads a page at a time
	if limit > 0 {
		count = uint64(limit)
	}
	opts := esdbclient.ReadStreamOptions{Direction: esdbclient.Forwards, From: esdbclient.Revision(from)}
	events, err := s.readStream(ctx, stream, opts, count)
	if err != nil {
		return nil, fmt.Errorf("read stream %q: %w", stream, err)
	}
	return events, nil
}

// readLast returns a stream's last event.
func (s *Store) readLast(ctx context.Context, stream string) (eventstore.RecordedEvent, error) {
	opts := esdbclient.ReadStreamOptions{Direction: esdbclient.Backwards, From: esdbclient.End{}}
	events, err := s.readStream(ctx, stream, opts, 1)
	if err == nil && len(events) == 0 {
		err = eventstore.ErrStreamNotFound
	}
	if err != nil {
		return eventstore.RecordedEvent{}, err
	}
	return events[0], nil
}

func (s *Store) readStream(ctx context.Context, stream string, opts esdbclient.ReadStreamOptions, count uint64) ([]eventstore.RecordedEvent, error) {
	events := []eventstore.RecordedEvent{}
	err := s.call(func(c *esdbclient.Client) error {
		events = events[:0]
		rs, err := c.ReadStream(ctx, stream, opts, count)
		if err != nil {
			return err
		}
		defer rs.Close()
		for {
			e, err := rs.Recv()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			events = append(events, toRecorded(e.OriginalEvent()))
		}
	})
	if hasCode(err, esdbclient.ErrorCodeResourceNotFound) {
		return nil, eventstore.ErrStreamNotFound
	}
	return events, err
}

// toRecorded converts an event as the client reads it; Metadata loses the
// keys Append added for EventStoreDB.
func toRecorded(e *esdbclient.RecordedEvent) eventstore.RecordedEvent {
	return eventstore.RecordedEvent{
		ID:       e.EventID,
		Stream:   e.StreamID,
		Revision: e.EventNumber,
		Position: toPosition(e.Position),
		Type:     e.EventType,
		Data:     e.Data,
		Metadata: fromStored(e.UserMetadata),
		Created:  e.CreatedDate,
	}
}
