package domain

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrUnknownEventType says a stored event's type is not one this code knows.
var ErrUnknownEventType = errors.New("unknown event type")

// ErrUnsupportedSchemaVersion says a stored event's schema version is newer
// than this code understands (or not a version at all).
var ErrUnsupportedSchemaVersion = errors.New("unsupported event schema version")

// eventCodec is what DecodeEvent knows of one event type: its current
// schema version and how to decode data of that version.
type eventCodec struct {
	current int
	decode  func(data []byte) (Event, error)
}

var codecs = map[string]eventCodec{
	EventTypeCustomerCreated: {current: CustomerCreatedSchemaVersion, decode: decodeAs[CustomerCreated]},
}

// DecodeEvent turns stored event data into its current Go type. Data of an
// older schema version is upcast first (see upcasters), so every reader
// sees the current layout; a version newer than the current one is
// ErrUnsupportedSchemaVersion.
func DecodeEvent(eventType string, schemaVersion int, data []byte) (Event, error) {
	codec, ok := codecs[eventType]
	if !ok {
		return nil, fmt.Errorf("%q: %w", eventType, ErrUnknownEventType)
	}
	data, err := upcast(eventType, schemaVersion, codec.current, data)
	if err != nil {
		return nil, err
	}
	e, err := codec.decode(data)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}

func decodeAs[E Event](data []byte) (Event, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, err
	}
	return e, nil
}
