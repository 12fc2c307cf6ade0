package projections

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
)

// customersOf turns a batch of customer-stream events into the rows the
// live projector writes for them, in log order. It follows the live path
// step by step: the relay reads the schema version from the metadata
// (toMessage), EventMarshaler decodes CustomerCreated with
// domain.DecodeEvent, and onCustomerCreated folds the event alone,
// versioned by its stream revision. Other event types are skipped, as the
// projector acknowledges them without applying.
func customersOf(events []eventstore.RecordedEvent) ([]query.Customer, error) {
	customers := make([]query.Customer, 0, len(events))
	for _, r := range events {
		if r.Type != domain.EventTypeCustomerCreated {
			continue
		}
		created, err := decodeCustomerCreated(r)
		if err != nil {
			return nil, fmt.Errorf("rebuild: event %s at position %d: %w", r.ID, r.Position.Commit, err)
		}
		c := query.Evolve(query.Customer{Version: -1}, created)
		c.Version = int64(r.Revision)
		customers = append(customers, c)
	}
	return customers, nil
}

// decodeCustomerCreated decodes as the live path does. Decoding is most of
// a rebuild's work, so events that the fast decoder accepts skip
// encoding/json and the upcasters; it gives the very value they give, and
// leaves everything else (unusual JSON, other versions) to
// domain.DecodeEvent.
func decodeCustomerCreated(r eventstore.RecordedEvent) (domain.CustomerCreated, error) {
	version := schemaVersionOf(r.Metadata)
	if created, ok := fastCustomerCreated(r.Data, version); ok {
		return created, nil
	}
	event, err := domain.DecodeEvent(r.Type, version, r.Data)
	if err != nil {
		return domain.CustomerCreated{}, err
	}
	created, ok := event.(domain.CustomerCreated)
	if !ok {
		return domain.CustomerCreated{}, fmt.Errorf("%s decoded as %T", r.Type, event)
	}
	return created, nil
}

// schemaVersionOf reads the schema version as the relay does (toMessage):
// metadata that does not decode, or has no version, is version 1.
func schemaVersionOf(metadata []byte) int {
	if v, ok := leadingSchemaVersion(metadata); ok {
		return v
	}
	var m eventstore.Metadata
	_ = json.Unmarshal(metadata, &m)
	if m.SchemaVersion == 0 {
		return 1
	}
	return m.SchemaVersion
}

// leadingSchemaVersion reads metadata as the command side writes it,
// without reflection: an object whose first key is schema_version, an
// integer, and whose other values are strings, under keys that cannot
// stand for schema_version again (encoding/json would take the last, and
// matches keys case-insensitively). It reports false for anything else.
func leadingSchemaVersion(metadata []byte) (int, bool) {
	p := fastParser{data: metadata}
	version, first := 0, true
	ok := p.object(func(key []byte) bool {
		if first {
			first = false
			return string(key) == "schema_version" && p.smallInt(&version)
		}
		for _, b := range key {
			if b >= utf8.RuneSelf {
				return false
			}
		}
		return !containsFoldASCII(key, "schema_version") && p.peek('"') && p.validString()
	})
	p.space()
	if !ok || first || p.i != len(metadata) {
		return 0, false
	}
	if version == 0 {
		return 1, true
	}
	return version, true
}

// smallInt reads an integer of up to six digits into n.
func (p *fastParser) smallInt(n *int) bool {
	start := p.i
	if !p.number() || p.i-start > 6 {
		return false
	}
	v := 0
	for _, c := range p.data[start:p.i] {
		if c < '0' || c > '9' {
			return false
		}
		v = 10*v + int(c-'0')
	}
	*n = v
	return true
}

// containsFoldASCII reports whether s, all ASCII, contains word, lower-case
// ASCII, in any case.
func containsFoldASCII(s []byte, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		j := 0
		for j < len(word) && s[i+j]|0x20 == word[j]|0x20 {
			j++
		}
		if j == len(word) {
			return true
		}
	}
	return false
}
