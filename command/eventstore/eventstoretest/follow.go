package eventstoretest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/customersvc/customersvc/command/eventstore"
)

// testFollowFilterFromStart follows the whole log with two prefixes and
// must get exactly the matching events, in append order. The names that
// must not match differ in case, contain a prefix without starting with it,
// or are a prefix minus its last byte.
func testFollowFilterFromStart(t *testing.T, s eventstore.Store) {
	prefix := newPrefix()
	var want []eventstore.EventData
	// The last one matches, so that all others come before it.
	for _, name := range []string{"a-1", "b-1", "a-2", "A-1", "c-1", "ba-1", "a", "a-1", "c", "c-2", "a-2"} {
		e := newEvent("Filtered")
		mustAppend(t, s, prefix+name, eventstore.Any, e)
		switch name[:min(2, len(name))] {
		case "a-", "c-":
			want = append(want, e)
		}
	}
	got := startFollow(t, s, eventstore.Start, prefix+"a-", prefix+"c-").take(t, len(want))
	wantIDs(t, got, want...)
}

// testFollowLive appends each event only once Follow delivered the one
// before, so that it can only come from following new commits.
func testFollowLive(t *testing.T, s eventstore.Store) {
	prefix := newPrefix()
	f := startFollow(t, s, endPosition(t, s), prefix)
	expected := eventstore.NoStream
	for i := range 3 {
		e := newEvent("Live")
		mustAppend(t, s, prefix+"s", expected, e)
		expected = eventstore.Exact(uint64(i))
		wantIDs(t, []eventstore.RecordedEvent{f.next(t)}, e)
	}
}

// testFollowFromCheckpoint resumes after the position of an event already
// handled, as a restarted projection does.
func testFollowFromCheckpoint(t *testing.T, s eventstore.Store) {
	prefix := newPrefix()
	events := newEvents(10)
	for i, e := range events {
		// One stream per event, so that other tests' appends can interleave.
		mustAppend(t, s, prefix+string(rune('a'+i)), eventstore.NoStream, e)
	}
	handled := startFollow(t, s, eventstore.Start, prefix).take(t, 5)
	rest := startFollow(t, s, handled[4].Position, prefix).take(t, 5)
	wantIDs(t, append(handled, rest...), events...)
}

func testFollowStopsWithContext(t *testing.T, s eventstore.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	from := endPosition(t, s)
	done := make(chan error, 1)
	go func() {
		done <- s.Follow(ctx, from, eventstore.Filter{StreamPrefixes: []string{newPrefix()}}, func(context.Context, eventstore.Batch) error {
			return nil
		})
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Follow returned %v, want context.Canceled", err)
		}
	case <-time.After(waitTimeout):
		t.Fatalf("Follow still running %s after its context ended", waitTimeout)
	}
}

func testFollowStopsWithHandleError(t *testing.T, s eventstore.Store) {
	stream := newPrefix() + "s"
	from := endPosition(t, s)
	mustAppend(t, s, stream, eventstore.NoStream, newEvents(2)...)
	errStop := errors.New("handler failed")
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	calls := 0
	err := s.Follow(ctx, from, eventstore.Filter{StreamPrefixes: []string{stream}}, func(_ context.Context, b eventstore.Batch) error {
		if len(b.Events) == 0 {
			return nil
		}
		calls++
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Follow returned %v, want the handler's error", err)
	}
	if calls != 1 {
		t.Fatalf("handler called %d times after failing", calls)
	}
}
