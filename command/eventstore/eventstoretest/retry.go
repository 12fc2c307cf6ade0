package eventstoretest

import (
	"testing"

	"github.com/customersvc/customersvc/command/eventstore"
)

// testAppendRetryIsIdempotent retries appends that already succeeded, as a
// client does when it lost the answer: each retry gets the first answer
// back and writes nothing, even after the stream moved on.
func testAppendRetryIsIdempotent(t *testing.T, s eventstore.Store) {
	stream := newPrefix() + "s"
	ab, c, d := newEvents(2), newEvent("C"), newEvent("D")
	appends := []struct {
		name     string
		expected eventstore.ExpectedRevision
		events   []eventstore.EventData
	}{
		{"NoStream", eventstore.NoStream, ab},
		{"Exact", eventstore.Exact(1), []eventstore.EventData{c}},
		{"Any", eventstore.Any, []eventstore.EventData{d}},
	}
	results := make([]eventstore.WriteResult, len(appends))
	for i, a := range appends {
		results[i] = mustAppend(t, s, stream, a.expected, a.events...)
		if again := mustAppend(t, s, stream, a.expected, a.events...); again != results[i] {
			t.Errorf("%s: retry returned %+v, first append %+v", a.name, again, results[i])
		}
	}
	// Late retries, once the stream has moved past them.
	for i, a := range appends {
		if again := mustAppend(t, s, stream, a.expected, a.events...); again != results[i] {
			t.Errorf("%s: late retry returned %+v, first append %+v", a.name, again, results[i])
		}
	}
	wantStream(t, s, stream, ab[0], ab[1], c, d)
}

// testAppendRetryElsewhereIsRefused appends known event IDs where a retry
// of their append would not have put them: that is no retry.
func testAppendRetryElsewhereIsRefused(t *testing.T, s eventstore.Store) {
	stream := newPrefix() + "s"
	ab, c := newEvents(2), newEvent("C")
	mustAppend(t, s, stream, eventstore.NoStream, ab...)
	mustAppend(t, s, stream, eventstore.Exact(1), c)

	tests := []struct {
		name     string
		expected eventstore.ExpectedRevision
		events   []eventstore.EventData
	}{
		{"SomeIDsNew", eventstore.NoStream, []eventstore.EventData{ab[0], newEvent("X")}},
		{"NewIDFirst", eventstore.NoStream, []eventstore.EventData{newEvent("X"), ab[0], ab[1]}},
		{"OtherRevision", eventstore.Exact(1), ab},
		{"OutOfOrder", eventstore.NoStream, []eventstore.EventData{ab[1], ab[0]}},
	}
	for _, tt := range tests {
		// Not parallel: each case expects the stream as it was set up.
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Append(t.Context(), stream, tt.expected, tt.events...)
			wantWrongExpectedVersion(t, err, stream, 2, true)
		})
	}
	wantStream(t, s, stream, ab[0], ab[1], c)
}
