package nats

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/domain"
)

// EventMarshaler lets Watermill's CQRS event processors read the relay's
// messages: the event name is the stored event type, found through the
// CloudEvents type header, and the payload is the event's JSON data,
// upcast to the current schema. What cannot be decoded is ErrPoison.
type EventMarshaler struct{}

// Marshal is not used: events reach NATS through the relay only.
func (EventMarshaler) Marshal(v any) (*message.Message, error) {
	return nil, errors.New("nats: events are published by the relay, not through the event bus")
}

// Unmarshal decodes the message payload into v, a pointer to a domain event.
func (EventMarshaler) Unmarshal(msg *message.Message, v any) error {
	eventType := eventTypeOfCEType[msg.Metadata.Get(HeaderType)]
	version, err := strconv.Atoi(msg.Metadata.Get(HeaderSchemaVersion))
	if err != nil {
		return fmt.Errorf("%w: bad %s %q", ErrPoison, HeaderSchemaVersion, msg.Metadata.Get(HeaderSchemaVersion))
	}
	switch target := v.(type) {
	case *domain.CustomerCreated:
		if eventType != domain.EventTypeCustomerCreated {
			return fmt.Errorf("%w: message %s is %q, not %s", ErrPoison, msg.UUID, eventType, domain.EventTypeCustomerCreated)
		}
		created, err := customerstream.DecodeCustomerCreated(msg.Payload, version)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrPoison, err)
		}
		*target = created
		return nil
	}
	return fmt.Errorf("nats: cannot unmarshal into %T", v)
}

// Name returns the event type of a domain event (or pointer to one).
func (EventMarshaler) Name(v any) string {
	if e, ok := v.(domain.Event); ok {
		return e.EventType()
	}
	return fmt.Sprintf("%T", v)
}

// NameFromMessage returns the event type a message carries.
func (EventMarshaler) NameFromMessage(msg *message.Message) string {
	return eventTypeOfCEType[msg.Metadata.Get(HeaderType)]
}
