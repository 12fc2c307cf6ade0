package customerstream

import (
	"fmt"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream/jsonscan"
	"github.com/customersvc/customersvc/domain"
)

// Decode turns a stored customer event into its domain type, in its
// current schema whatever version was stored.
func Decode(r eventstore.RecordedEvent) (domain.Event, error) {
	recorded, err := DecodeRecorded(r)
	return recorded.Event, err
}

// DecodeRecorded is Decode with the facts of the recording: where the
// event sits, when it was written and who caused it.
func DecodeRecorded(r eventstore.RecordedEvent) (domain.RecordedEvent, error) {
	m, err := DecodeMetadata(r.Metadata)
	if err != nil {
		return domain.RecordedEvent{}, fmt.Errorf("event %s: %w", r.ID, err)
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

// DecodeCustomerCreated decodes CustomerCreated data stored at
// schemaVersion into the current layout. The projector and the rebuild
// both decode through it. Decoding is most of their work, so data the
// fast scanner accepts skips encoding/json and the upcasters; it gives the
// very value they give, and leaves everything else (unusual JSON, other
// versions) to domain.DecodeEvent.
func DecodeCustomerCreated(data []byte, schemaVersion int) (domain.CustomerCreated, error) {
	if created, ok := jsonscan.CustomerCreated(data, schemaVersion); ok {
		return created, nil
	}
	event, err := domain.DecodeEvent(domain.EventTypeCustomerCreated, schemaVersion, data)
	if err != nil {
		return domain.CustomerCreated{}, err
	}
	created, ok := event.(domain.CustomerCreated)
	if !ok {
		return domain.CustomerCreated{}, fmt.Errorf("%s decoded as %T", domain.EventTypeCustomerCreated, event)
	}
	return created, nil
}
