package eventstoretest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
)

// testAppendConcurrentNoStreamOneWins races appends that each want to
// create the same stream: the store must let exactly one through.
func testAppendConcurrentNoStreamOneWins(t *testing.T, s eventstore.Store) {
	const racers = 100
	stream := newPrefix() + "s"
	events := newEvents(racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			_, errs[i] = s.Append(t.Context(), stream, eventstore.NoStream, events[i])
		})
	}
	wg.Wait()

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("appends %d and %d both created the stream", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, eventstore.ErrWrongExpectedVersion):
			t.Fatalf("append %d: %v, want ErrWrongExpectedVersion", i, err)
		default:
			wantWrongExpectedVersion(t, err, stream, 0, true)
		}
	}
	if winner < 0 {
		t.Fatal("no append created the stream")
	}
	wantStream(t, s, stream, events[winner])
}

// testAppendConcurrentStreamsAllFollowed appends to many streams at once;
// every append must succeed and Follow must deliver each event once, in
// position order, where its append said it landed.
func testAppendConcurrentStreamsAllFollowed(t *testing.T, s eventstore.Store) {
	const writers, perWriter = 32, 4
	prefix := newPrefix()
	from := endPosition(t, s)
	positions := make(map[uuid.UUID]eventstore.Position)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			stream := fmt.Sprintf("%sw%d", prefix, w)
			expected := eventstore.NoStream
			for i := range perWriter {
				e := newEvent("Concurrent")
				res, err := s.Append(t.Context(), stream, expected, e)
				if err != nil {
					t.Errorf("append %d to %s: %v", i, stream, err)
					return
				}
				expected = eventstore.Exact(uint64(i))
				mu.Lock()
				positions[e.ID] = res.Position
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// take checks the order; here each event must come once, where its
	// append said it landed.
	for _, e := range startFollow(t, s, from, prefix).take(t, writers*perWriter) {
		pos, ok := positions[e.ID]
		switch {
		case !ok:
			t.Fatalf("event %s delivered twice or never appended", e.ID)
		case pos != e.Position:
			t.Errorf("event %s delivered at %s, appended at %s", e.ID, e.Position, pos)
		}
		delete(positions, e.ID)
	}
}
