// Package history reads customers' streams from the event store for the
// query side: the fallback of a read model that has not caught up yet, a
// customer's audit trail, and its state at an earlier time. Events come
// back in their current schema: older stored versions are upcast as they
// are read.
package history

import (
	"context"
	"errors"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/domain"
)

// CustomerHistory implements query.History over an event store.
type CustomerHistory struct {
	store eventstore.Store
}

// New returns a reader of customer streams.
func New(store eventstore.Store) (*CustomerHistory, error) {
	if store == nil {
		return nil, errors.New("history: nil event store")
	}
	return &CustomerHistory{store: store}, nil
}

// CustomerEvents returns the events of one customer, oldest first, or
// domain.ErrCustomerNotFound.
func (h *CustomerHistory) CustomerEvents(ctx context.Context, id string) ([]domain.Event, error) {
	recorded, err := h.RecordedEvents(ctx, id, 0, 0)
	if err != nil {
		return nil, err
	}
	events := make([]domain.Event, len(recorded))
	for i, r := range recorded {
		events[i] = r.Event
	}
	return events, nil
}

// RecordedEvents returns up to limit events (all for limit <= 0) of one
// customer's stream from revision from on, oldest first, with where, when
// and by whom each was recorded. A customer without a stream is
// domain.ErrCustomerNotFound; from past the stream's end gives none.
func (h *CustomerHistory) RecordedEvents(ctx context.Context, id string, from uint64, limit int) ([]domain.RecordedEvent, error) {
	recorded, err := h.readStream(ctx, id, from, limit)
	if err != nil {
		return nil, err
	}
	events := make([]domain.RecordedEvent, 0, len(recorded))
	for _, r := range recorded {
		e, err := customerstream.DecodeRecorded(r)
		if err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, nil
}

func (h *CustomerHistory) readStream(ctx context.Context, id string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	recorded, err := h.store.ReadStream(ctx, customerstream.Name(id), from, limit)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil, domain.ErrCustomerNotFound
	}
	if err == nil && len(recorded) > 0 && recorded[0].Type == customerstream.EventTypeCreationAbandoned {
		// A creation that crashed between its appends and whose VAT was
		// taken over: that customer never existed.
		return nil, domain.ErrCustomerNotFound
	}
	return recorded, err
}
