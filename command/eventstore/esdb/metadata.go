package esdb

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// EventStoreDB's own metadata keys for correlation, read by its
// $by_correlation_id projection and its UI.
const (
	keyCorrelationID = "$correlationId"
	keyCausationID   = "$causationId"
)

// errReservedMetadata refuses metadata that sets EventStoreDB's keys
// itself: the store derives them, and reading back could not tell the
// caller's keys from its own.
var errReservedMetadata = fmt.Errorf("metadata must not set %s or %s: they are derived from correlation_id and causation_id", keyCorrelationID, keyCausationID)

// correlation is the part of eventstore.Metadata that EventStoreDB's keys
// repeat, plus those keys.
type correlation struct {
	CorrelationID string           `json:"correlation_id"`
	CausationID   string           `json:"causation_id"`
	ESCorrelation *json.RawMessage `json:"$correlationId"`
	ESCausation   *json.RawMessage `json:"$causationId"`
}

// toStored adds $correlationId and $causationId to a JSON object that has
// correlation_id or causation_id, as the last keys of the object, leaving
// every byte of the caller's metadata as it was, so that fromStored can
// take them out again exactly. Anything but a JSON object is stored as
// given.
func toStored(meta []byte) ([]byte, error) {
	c, end, ok := parseCorrelation(meta)
	if !ok {
		return meta, nil
	}
	if c.ESCorrelation != nil || c.ESCausation != nil {
		return nil, errReservedMetadata
	}
	suffix := c.suffix()
	if len(suffix) == 0 {
		return meta, nil
	}
	stored := make([]byte, 0, len(meta)+len(suffix))
	stored = append(stored, meta[:end]...)
	stored = append(stored, suffix...)
	return append(stored, meta[end:]...), nil
}

// fromStored returns the caller's metadata: stored without the keys
// toStored added. Metadata it did not add them to comes back as stored.
func fromStored(stored []byte) []byte {
	c, end, ok := parseCorrelation(stored)
	if !ok {
		return stored
	}
	suffix := c.suffix()
	if len(suffix) == 0 || !bytes.HasSuffix(stored[:end], suffix) {
		return stored
	}
	meta := make([]byte, 0, len(stored)-len(suffix))
	meta = append(meta, stored[:end-len(suffix)]...)
	return append(meta, stored[end:]...)
}

// parseCorrelation decodes the correlation keys of a JSON object and finds
// its closing brace.
func parseCorrelation(meta []byte) (c correlation, end int, ok bool) {
	end = bytes.LastIndexByte(meta, '}')
	if end < 0 || !json.Valid(meta) || json.Unmarshal(meta, &c) != nil {
		return correlation{}, 0, false
	}
	return c, end, true
}

// suffix is what toStored inserts before the closing brace of an object
// that has at least one key already.
func (c correlation) suffix() []byte {
	var b []byte
	for _, kv := range []struct{ key, value string }{
		{keyCorrelationID, c.CorrelationID},
		{keyCausationID, c.CausationID},
	} {
		if kv.value == "" {
			continue
		}
		v, _ := json.Marshal(kv.value) // a string always marshals
		b = fmt.Appendf(b, ",%q:%s", kv.key, v)
	}
	return b
}
