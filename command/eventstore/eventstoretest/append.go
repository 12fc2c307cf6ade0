package eventstoretest

import (
	"errors"
	"testing"

	"github.com/customersvc/customersvc/command/eventstore"
)

func testAppendExpectedRevision(t *testing.T, s eventstore.Store) {
	tests := []struct {
		name     string
		existing int // events in the stream before the append; 0: no stream
		expected eventstore.ExpectedRevision
		wantRev  uint64
		wantErr  bool // a wrong expected version, stream at existing-1
	}{
		{"NoStreamOnNew", 0, eventstore.NoStream, 0, false},
		{"NoStreamOnExisting", 2, eventstore.NoStream, 0, true},
		{"AnyOnNew", 0, eventstore.Any, 0, false},
		{"AnyOnExisting", 2, eventstore.Any, 2, false},
		{"StreamExistsOnNew", 0, eventstore.StreamExists, 0, true},
		{"StreamExistsOnExisting", 2, eventstore.StreamExists, 2, false},
		{"ExactMatches", 2, eventstore.Exact(1), 2, false},
		{"ExactFirst", 1, eventstore.Exact(0), 1, false},
		{"ExactBehind", 3, eventstore.Exact(1), 0, true},
		{"ExactAhead", 2, eventstore.Exact(5), 0, true},
		{"ExactOnNew", 0, eventstore.Exact(0), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stream := newPrefix() + "s"
			before := newEvents(tt.existing)
			if tt.existing > 0 {
				mustAppend(t, s, stream, eventstore.NoStream, before...)
			}
			e := newEvent("Appended")
			res, err := s.Append(t.Context(), stream, tt.expected, e)
			if tt.wantErr {
				wantWrongExpectedVersion(t, err, stream, uint64(max(tt.existing-1, 0)), tt.existing > 0)
				wantStream(t, s, stream, before...)
				return
			}
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			if res.NextRevision != tt.wantRev {
				t.Errorf("NextRevision %d, want %d", res.NextRevision, tt.wantRev)
			}
			got := mustRead(t, s, stream)
			wantIDs(t, got, append(before, e)...)
			if last := got[len(got)-1]; last.Revision != tt.wantRev || last.Position != res.Position {
				t.Errorf("stored at revision %d, position %s; WriteResult says %d, %s", last.Revision, last.Position, tt.wantRev, res.Position)
			}
		})
	}
}

// wantStream fails t unless stream holds exactly want, or does not exist
// if want is empty.
func wantStream(t *testing.T, s eventstore.Store, stream string, want ...eventstore.EventData) {
	t.Helper()
	got, err := s.ReadStream(t.Context(), stream, 0, 0)
	if len(want) == 0 {
		if !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatalf("ReadStream(%q): %d events, error %v; want ErrStreamNotFound", stream, len(got), err)
		}
		return
	}
	if err != nil {
		t.Fatalf("ReadStream(%q): %v", stream, err)
	}
	wantIDs(t, got, want...)
}

func testAppendPositionsIncrease(t *testing.T, s eventstore.Store) {
	prefix := newPrefix()
	first := mustAppend(t, s, prefix+"a", eventstore.NoStream, newEvents(3)...)
	second := mustAppend(t, s, prefix+"b", eventstore.NoStream, newEvent("B"))
	third := mustAppend(t, s, prefix+"a", eventstore.Exact(2), newEvent("A"))
	if !first.Position.Less(second.Position) || !second.Position.Less(third.Position) {
		t.Fatalf("positions %s, %s, %s do not increase", first.Position, second.Position, third.Position)
	}
	var last eventstore.Position
	for i, e := range mustRead(t, s, prefix+"a") {
		if e.Revision != uint64(i) {
			t.Errorf("event %d has revision %d", i, e.Revision)
		}
		if !last.Less(e.Position) {
			t.Errorf("event %d at position %s, not after %s", i, e.Position, last)
		}
		last = e.Position
	}
	if last != third.Position {
		t.Errorf("last event at %s, WriteResult said %s", last, third.Position)
	}
}

func testAppendManyIsAtomic(t *testing.T, s eventstore.Store) {
	stream := newPrefix() + "s"
	events := newEvents(3)
	res := mustAppend(t, s, stream, eventstore.NoStream, events...)
	if res.NextRevision != 2 {
		t.Fatalf("NextRevision %d, want 2", res.NextRevision)
	}
	_, err := s.Append(t.Context(), stream, eventstore.Exact(0), newEvents(3)...)
	wantWrongExpectedVersion(t, err, stream, 2, true)
	wantStream(t, s, stream, events...)

	refused := newPrefix() + "s"
	_, err = s.Append(t.Context(), refused, eventstore.StreamExists, newEvents(3)...)
	wantWrongExpectedVersion(t, err, refused, 0, false)
	wantStream(t, s, refused)
}
