package domain

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrUnknownEventType says a stored event's type is not one this code knows.
var ErrUnknownEventType = errors.New("unknown event type")

// ErrUnsupportedSchemaVersion says a stored event's schema version is newer
// than this code understands.
var ErrUnsupportedSchemaVersion = errors.New("unsupported event schema version")

// DecodeEvent turns stored event data into its current Go type.
func DecodeEvent(eventType string, schemaVersion int, data []byte) (Event, error) {
	switch eventType {
	case EventTypeCustomerCreated:
		if schemaVersion > CustomerCreatedSchemaVersion {
			return nil, fmt.Errorf("%s v%d: %w", eventType, schemaVersion, ErrUnsupportedSchemaVersion)
		}
		var e CustomerCreated
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, fmt.Errorf("decode %s: %w", eventType, err)
		}
		return e, nil
	}
	return nil, fmt.Errorf("%q: %w", eventType, ErrUnknownEventType)
}
