package eventstoretest

import (
	"slices"
	"testing"

	"github.com/customersvc/customersvc/command/eventstore"
)

// testAppendMulti checks eventstore.MultiStreamAppender on stores that
// offer it: all streams or none, the first failed condition as the error,
// and retries answered like single appends.
func testAppendMulti(t *testing.T, s eventstore.Store) {
	multi, ok := s.(eventstore.MultiStreamAppender)
	if !ok {
		t.Skip("store does not implement eventstore.MultiStreamAppender")
	}
	prefix := newPrefix()
	a, b, c := prefix+"a", prefix+"b", prefix+"c"
	ea, eb := newEvent("A"), newEvents(2)
	created := []eventstore.StreamAppend{
		{Stream: a, Expected: eventstore.NoStream, Events: []eventstore.EventData{ea}},
		{Stream: b, Expected: eventstore.NoStream, Events: eb},
	}
	results, err := multi.AppendMulti(t.Context(), created...)
	if err != nil {
		t.Fatalf("AppendMulti: %v", err)
	}
	if len(results) != 2 || results[0].NextRevision != 0 || results[1].NextRevision != 1 ||
		!results[0].Position.Less(results[1].Position) {
		t.Fatalf("AppendMulti results %+v", results)
	}
	if again, err := multi.AppendMulti(t.Context(), created...); err != nil || !slices.Equal(again, results) {
		t.Fatalf("retried AppendMulti: %+v, %v; want %+v", again, err, results)
	}

	_, err = multi.AppendMulti(t.Context(),
		eventstore.StreamAppend{Stream: c, Expected: eventstore.NoStream, Events: newEvents(1)},
		eventstore.StreamAppend{Stream: a, Expected: eventstore.NoStream, Events: newEvents(1)},
		eventstore.StreamAppend{Stream: b, Expected: eventstore.Exact(7), Events: newEvents(1)})
	wantWrongExpectedVersion(t, err, a, 0, true)

	wantStream(t, s, a, ea)
	wantStream(t, s, b, eb...)
	wantStream(t, s, c)
}
