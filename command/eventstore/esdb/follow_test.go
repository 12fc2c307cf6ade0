package esdb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/esdb"
	"github.com/customersvc/customersvc/command/eventstore/esdb/esdbtest"
)

// waitTimeout bounds every wait for Follow; no speed assertion.
const waitTimeout = 10 * time.Second

func newEvent() eventstore.EventData {
	id := uuid.Must(uuid.NewV7())
	return eventstore.EventData{ID: id, Type: "T", Data: fmt.Appendf(nil, `{"id":%q}`, id), Metadata: []byte(`{"schema_version":1}`)}
}

// followed collects what a background Follow hands over.
type followed struct {
	batches chan eventstore.Batch
	stopped chan error
}

func startFollow(t *testing.T, s eventstore.Store, from eventstore.Position, prefixes ...string) *followed {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	f := &followed{batches: make(chan eventstore.Batch, 1000), stopped: make(chan error, 1)}
	go func() {
		f.stopped <- s.Follow(ctx, from, eventstore.Filter{StreamPrefixes: prefixes}, func(ctx context.Context, b eventstore.Batch) error {
			select {
			case f.batches <- b:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-f.stopped; !errors.Is(err, context.Canceled) {
			t.Errorf("Follow returned %v, want context.Canceled", err)
		}
	})
	return f
}

// next returns the next batch, failing t if none comes in time.
func (f *followed) next(t *testing.T) eventstore.Batch {
	t.Helper()
	select {
	case b := <-f.batches:
		return b
	case err := <-f.stopped:
		t.Fatalf("Follow returned %v", err)
	case <-time.After(waitTimeout):
		t.Fatalf("Follow handed over nothing within %s", waitTimeout)
	}
	panic("unreachable")
}

// events returns the next n events, checking that batches and checkpoints
// keep log order.
func (f *followed) events(t *testing.T, after eventstore.Position, n int) []eventstore.RecordedEvent {
	t.Helper()
	var got []eventstore.RecordedEvent
	for len(got) < n {
		b := f.next(t)
		for _, e := range b.Events {
			if !after.Less(e.Position) {
				t.Fatalf("event at %s handed over after %s", e.Position, after)
			}
			after = e.Position
		}
		if b.Reached.Less(after) {
			t.Fatalf("checkpoint %s before %s", b.Reached, after)
		}
		after = b.Reached
		got = append(got, b.Events...)
	}
	if len(got) > n {
		t.Fatalf("got %d events, want %d", len(got), n)
	}
	return got
}

func wantIDs(t *testing.T, got []eventstore.RecordedEvent, want []eventstore.EventData) {
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

// TestFollowSurvivesDroppedSubscriptions drops the subscription again and
// again while events are appended and handed over: each event must still
// come once, in order.
func TestFollowSurvivesDroppedSubscriptions(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	s := openWith(t, esdb.Config{URL: srv.URL(), ResubscribeMin: time.Millisecond, ResubscribeMax: 10 * time.Millisecond})
	prefix := "drop-" + uuid.NewString() + "-"
	f := startFollow(t, s, eventstore.Start, prefix)

	var after eventstore.Position
	for round := range 5 {
		events := []eventstore.EventData{newEvent(), newEvent(), newEvent()}
		// Half the rounds drop before the append, half after.
		if round%2 == 0 {
			dropSubscriptions(t, srv)
		}
		res, err := s.Append(t.Context(), fmt.Sprintf("%s%d", prefix, round), eventstore.NoStream, events...)
		if err != nil {
			t.Fatal(err)
		}
		if round%2 == 1 {
			dropSubscriptions(t, srv)
		}
		wantIDs(t, f.events(t, after, len(events)), events)
		after = res.Position
	}
	// Nothing more may come: a marker appended now must be next.
	marker := newEvent()
	if _, err := s.Append(t.Context(), prefix+"marker", eventstore.NoStream, marker); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, f.events(t, after, 1), []eventstore.EventData{marker})
}

// dropSubscriptions drops the live subscriptions, waiting for Follow to
// have one to drop.
func dropSubscriptions(t *testing.T, srv *esdbtest.Server) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for srv.DropSubscriptions() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no subscription to drop within %s", waitTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestFollowAdvancesWithoutMatches checks that a follower whose filter
// matches nothing still gets checkpoint-only batches as the log grows.
func TestFollowAdvancesWithoutMatches(t *testing.T) {
	t.Parallel()
	s := openStore(t, startServer(t).URL())
	var last eventstore.WriteResult
	for i := range 3 {
		var err error
		if last, err = s.Append(t.Context(), fmt.Sprintf("other-%d", i), eventstore.NoStream, newEvent()); err != nil {
			t.Fatal(err)
		}
	}
	f := startFollow(t, s, eventstore.Start, "nothing-"+uuid.NewString())
	for {
		b := f.next(t)
		if len(b.Events) > 0 {
			t.Fatalf("handed over %d events", len(b.Events))
		}
		if b.Reached == eventstore.Start {
			t.Fatal("checkpoint-only batch at Start")
		}
		if !b.Reached.Less(last.Position) {
			return
		}
	}
}

// TestFollowGathersBatches appends more events at once than fit one batch:
// they must come in full batches, not one by one.
func TestFollowGathersBatches(t *testing.T) {
	t.Parallel()
	s := openWith(t, esdb.Config{URL: startServer(t).URL(), FollowBatch: 4, FollowLinger: time.Second})
	stream := "batch-" + uuid.NewString()
	events := make([]eventstore.EventData, 8)
	for i := range events {
		events[i] = newEvent()
	}
	if _, err := s.Append(t.Context(), stream, eventstore.NoStream, events...); err != nil {
		t.Fatal(err)
	}
	f := startFollow(t, s, eventstore.Start, stream)
	for i := range 2 {
		b := f.next(t)
		wantIDs(t, b.Events, events[4*i:4*i+4])
		if b.Reached != b.Events[3].Position {
			t.Errorf("batch %d: checkpoint %s, last event at %s", i, b.Reached, b.Events[3].Position)
		}
	}
}

// TestFollowSkipsSystemStreams follows everything: events in streams
// whose names start with "$" must not come.
func TestFollowSkipsSystemStreams(t *testing.T) {
	t.Parallel()
	s := openStore(t, startServer(t).URL())
	system, user := newEvent(), newEvent()
	if _, err := s.Append(t.Context(), "$system-"+uuid.NewString(), eventstore.NoStream, system); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(t.Context(), "user-"+uuid.NewString(), eventstore.NoStream, user); err != nil {
		t.Fatal(err)
	}
	f := startFollow(t, s, eventstore.Start)
	wantIDs(t, f.events(t, eventstore.Start, 1), []eventstore.EventData{user})
}

func TestCloseEndsFollow(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	s, err := esdb.Open(t.Context(), esdb.Config{URL: srv.URL(), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	following := make(chan error, 1)
	handled := make(chan struct{}, 1)
	go func() {
		following <- s.Follow(t.Context(), eventstore.Start, eventstore.Filter{}, func(context.Context, eventstore.Batch) error {
			select {
			case handled <- struct{}{}:
			default:
			}
			return nil
		})
	}()
	if _, err := s.Append(t.Context(), "close-"+uuid.NewString(), eventstore.NoStream, newEvent()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-handled: // Follow runs
	case <-time.After(waitTimeout):
		t.Fatal("Follow handed over nothing")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	select {
	case err := <-following:
		if !errors.Is(err, esdb.ErrClosed) {
			t.Errorf("Follow after Close: %v, want ErrClosed", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Follow still running after Close")
	}
	if _, err := s.Append(t.Context(), "after-close", eventstore.Any, newEvent()); !errors.Is(err, esdb.ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, esdb.ErrClosed) {
		t.Errorf("Ping after Close: %v, want ErrClosed", err)
	}
}
