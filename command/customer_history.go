package command

import (
	"context"
	"errors"
	"fmt"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/domain"
)

// CustomerHistory reads customers' streams from the event store for the
// query side. Events come back in their current schema: older stored
// versions are upcast as they are read.
type CustomerHistory struct {
	store eventstore.Store
}

// NewCustomerHistory returns a reader of customer streams.
func NewCustomerHistory(store eventstore.Store) (*CustomerHistory, error) {
	if store == nil {
		return nil, errors.New("command: nil event store")
	}
	return &CustomerHistory{store: store}, nil
}

// CustomerEvents returns the events of one customer, oldest first, or
// domain.ErrCustomerNotFound.
func (h *CustomerHistory) CustomerEvents(ctx context.Context, id string) ([]domain.Event, error) {
	recorded, err := h.readStream(ctx, id, 0, 0)
	if err != nil {
		return nil, err
	}
	events := make([]domain.Event, 0, len(recorded))
	for _, r := range recorded {
		e, err := DecodeRecorded(r)
		if err != nil {
			return nil, err
		}
		events = append(events, e)
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
		e, err := toRecordedEvent(r)
		if err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, nil
}

func (h *CustomerHistory) readStream(ctx context.Context, id string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	recorded, err := h.store.ReadStream(ctx, customerStream(id), from, limit)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil, domain.ErrCustomerNotFound
	}
	return recorded, err
}

func toRecordedEvent(r eventstore.RecordedEvent) (domain.RecordedEvent, error) {
	m, err := decodeMetadata(r)
	if err != nil {
		return domain.RecordedEvent{}, err
	}
	e, err := domain.DecodeEvent(r.Type, m.SchemaVersion, r.Data)
	if err != nil {
		return domain.RecordedEvent{}, fmt.Errorf("event %s of %s: %w", r.ID, r.Stream, err)
	}
	return domain.RecordedEvent{
		Event:          e,
		StreamVersion:  r.Revision,
		GlobalPosition: r.Position.Commit,
		RecordedAt:     r.Created.UTC(),
		RecordedBy:     domain.Actor{UserID: m.UserID, OrganizationID: m.OrgID},
	}, nil
}
