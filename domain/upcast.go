package domain

import (
	"encoding/json"
	"errors"
	"fmt"
)

var errNotAnObject = errors.New("event data is not a JSON object")

// Stored events are never rewritten: an event keeps the layout of the
// schema version it was written with, and readers bring it to the current
// layout with upcasters. An upcaster takes the JSON data of one version of
// an event type to the next version, so a chain of them takes any stored
// version to the current one.
//
// To change an event's layout: raise its schema version constant, and add
// here the step from the previous version.
type upcaster func(data []byte) ([]byte, error)

// upcastFrom names the version an upcaster starts from.
type upcastFrom struct {
	eventType string
	version   int
}

var upcasters = map[upcastFrom]upcaster{
	{EventTypeCustomerCreated, 1}: customerCreatedV1ToV2,
}

// upcast applies the chain to data of eventType stored at version, up to
// current.
func upcast(eventType string, version, current int, data []byte) ([]byte, error) {
	if version < 1 || version > current {
		return nil, fmt.Errorf("%s v%d: %w", eventType, version, ErrUnsupportedSchemaVersion)
	}
	for ; version < current; version++ {
		step, ok := upcasters[upcastFrom{eventType, version}]
		if !ok {
			return nil, fmt.Errorf("%s v%d: no upcaster to v%d: %w", eventType, version, version+1, ErrUnsupportedSchemaVersion)
		}
		var err error
		if data, err = step(data); err != nil {
			return nil, fmt.Errorf("upcast %s v%d: %w", eventType, version, err)
		}
	}
	return data, nil
}

// customerCreatedV1ToV2 adds vat_country, derived from vat_normalized as
// CreateCustomer derives it for new events.
func customerCreatedV1ToV2(data []byte) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, err
	}
	if fields == nil {
		return nil, errNotAnObject
	}
	var normalized string
	if raw, ok := fields["vat_normalized"]; ok {
		if err := json.Unmarshal(raw, &normalized); err != nil {
			return nil, fmt.Errorf("vat_normalized: %w", err)
		}
	}
	country, err := json.Marshal(VATCountry(normalized))
	if err != nil {
		return nil, err
	}
	fields["vat_country"] = country
	return json.Marshal(fields)
}
