package customerstream

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/domain"
)

// Encode turns new domain events into what the store appends: each with a
// fresh time-ordered ID, its JSON data, and meta recording the event's
// schema version.
func Encode(events []domain.Event, meta eventstore.Metadata) ([]eventstore.EventData, error) {
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
			Metadata: EncodeMetadata(meta, e.SchemaVersion()),
		})
	}
	return out, nil
}
