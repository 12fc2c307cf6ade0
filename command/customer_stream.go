package command

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/domain"
)

// CustomerStreamPrefix begins the name of every customer's stream; followers
// of the log filter on it.
const CustomerStreamPrefix = "customer-"

func customerStream(id string) string { return CustomerStreamPrefix + id }

// CustomerIDFromStream returns the customer ID a stream name carries.
func CustomerIDFromStream(stream string) (string, bool) {
	id, ok := strings.CutPrefix(stream, CustomerStreamPrefix)
	return id, ok && id != ""
}

// commandMetadata is what every event of one command records beside its data.
type commandMetadata struct{ eventstore.Metadata }

func newMetadata(cmd CreateCustomer) commandMetadata {
	m := eventstore.Metadata{
		CorrelationID:  cmd.RequestID,
		CausationID:    cmd.RequestID,
		UserID:         cmd.Actor.UserID,
		OrgID:          cmd.Actor.OrganizationID,
		IdempotencyKey: cmd.IdempotencyKey,
	}
	if cmd.IdempotencyKey != "" {
		m.RequestHash = requestHash(cmd)
	}
	return commandMetadata{m}
}

// encode returns the metadata of an event of the given schema version.
func (m commandMetadata) encode(schemaVersion int) []byte {
	m.SchemaVersion = schemaVersion
	b, _ := json.Marshal(m.Metadata) // plain strings and ints: cannot fail
	return b
}

func encodeEvents(events []domain.Event, meta commandMetadata) ([]eventstore.EventData, error) {
	out := make([]eventstore.EventData, 0, len(events))
	for _, e := range events {
		data, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", e.EventType(), err)
		}
		id, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("event id: %w", err)
		}
		out = append(out, eventstore.EventData{
			ID:       id,
			Type:     e.EventType(),
			Data:     data,
			Metadata: meta.encode(e.SchemaVersion()),
		})
	}
	return out, nil
}

// DecodeRecorded turns a stored customer event into its domain type, in
// its current schema whatever version was stored.
func DecodeRecorded(r eventstore.RecordedEvent) (domain.Event, error) {
	m, err := decodeMetadata(r)
	if err != nil {
		return nil, err
	}
	return domain.DecodeEvent(r.Type, m.SchemaVersion, r.Data)
}

// decodeMetadata reads an event's metadata; events stored without any, or
// without a schema version, are schema version 1.
func decodeMetadata(r eventstore.RecordedEvent) (eventstore.Metadata, error) {
	var m eventstore.Metadata
	if len(r.Metadata) > 0 {
		if err := json.Unmarshal(r.Metadata, &m); err != nil {
			return eventstore.Metadata{}, fmt.Errorf("decode metadata of %s: %w", r.ID, err)
		}
	}
	if m.SchemaVersion == 0 {
		m.SchemaVersion = 1
	}
	return m, nil
}
