package eventstoretest

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
)

// waitTimeout bounds every wait for Follow. It is no speed assertion, only
// a bound that keeps a broken store from hanging the suite.
const waitTimeout = 10 * time.Second

// newPrefix returns a stream name prefix no other test uses.
func newPrefix() string {
	return "ests-" + uuid.NewString() + "-"
}

// newEvent returns an event with a fresh UUIDv7, the IDs stores expect.
func newEvent(typ string) eventstore.EventData {
	id := uuid.Must(uuid.NewV7())
	meta, err := json.Marshal(eventstore.Metadata{SchemaVersion: 1, CorrelationID: id.String()})
	if err != nil {
		panic(err) // a fixed struct always marshals
	}
	return eventstore.EventData{
		ID:       id,
		Type:     typ,
		Data:     fmt.Appendf(nil, `{"id":%q,"type":%q}`, id, typ),
		Metadata: meta,
	}
}

func newEvents(n int) []eventstore.EventData {
	events := make([]eventstore.EventData, n)
	for i := range events {
		events[i] = newEvent(fmt.Sprintf("Test%d", i))
	}
	return events
}

func mustAppend(t *testing.T, s eventstore.Store, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) eventstore.WriteResult {
	t.Helper()
	res, err := s.Append(t.Context(), stream, expected, events...)
	if err != nil {
		t.Fatalf("Append(%q, %s): %v", stream, expected, err)
	}
	return res
}

func mustRead(t *testing.T, s eventstore.Store, stream string) []eventstore.RecordedEvent {
	t.Helper()
	events, err := s.ReadStream(t.Context(), stream, 0, 0)
	if err != nil {
		t.Fatalf("ReadStream(%q): %v", stream, err)
	}
	return events
}

// wantIDs fails t unless got holds exactly the events with want's IDs, in
// that order.
func wantIDs(t *testing.T, got []eventstore.RecordedEvent, want ...eventstore.EventData) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID {
			t.Fatalf("event %d: ID %s, want %s", i, got[i].ID, want[i].ID)
		}
	}
}

// wantWrongExpectedVersion fails t unless err is a wrong expected version
// error saying that stream is at current (or does not exist).
func wantWrongExpectedVersion(t *testing.T, err error, stream string, current uint64, exists bool) {
	t.Helper()
	if !errors.Is(err, eventstore.ErrWrongExpectedVersion) {
		t.Fatalf("error %v, want ErrWrongExpectedVersion", err)
	}
	var wev *eventstore.WrongExpectedVersionError
	if !errors.As(err, &wev) {
		t.Fatalf("error %v is no *WrongExpectedVersionError", err)
	}
	if wev.Stream != stream || wev.Exists != exists || exists && wev.Current != current {
		t.Fatalf("got %+v, want stream %q exists=%t current=%d", wev, stream, exists, current)
	}
}

// endPosition is the position of a marker event appended now: whatever a
// test appends afterwards lies after it, even on a store shared with others.
func endPosition(t *testing.T, s eventstore.Store) eventstore.Position {
	t.Helper()
	return mustAppend(t, s, newPrefix()+"marker", eventstore.NoStream, newEvent("Marker")).Position
}
