package customerstream

import (
	"encoding/json"
	"fmt"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream/jsonscan"
)

// EncodeMetadata returns meta as stored beside an event of the given
// schema version.
func EncodeMetadata(meta eventstore.Metadata, schemaVersion int) []byte {
	meta.SchemaVersion = schemaVersion
	b, _ := json.Marshal(meta) // plain strings and ints: cannot fail
	return b
}

// DecodeMetadata reads an event's metadata. Events stored without any, or
// without a schema version, were written before versions were recorded:
// they are schema version 1. On an error the metadata holds what could be
// read, its version at least 1, for readers that go on regardless.
func DecodeMetadata(raw []byte) (eventstore.Metadata, error) {
	var m eventstore.Metadata
	var err error
	if len(raw) > 0 {
		err = json.Unmarshal(raw, &m)
	}
	if m.SchemaVersion == 0 {
		m.SchemaVersion = 1
	}
	if err != nil {
		return m, fmt.Errorf("decode metadata: %w", err)
	}
	return m, nil
}

// SchemaVersion is the schema version metadata records, read as
// DecodeMetadata reads it and ignoring its errors, but fast for metadata as
// the command side writes it.
func SchemaVersion(raw []byte) int {
	if v, ok := jsonscan.SchemaVersion(raw); ok {
		return v
	}
	m, _ := DecodeMetadata(raw)
	return m.SchemaVersion
}
