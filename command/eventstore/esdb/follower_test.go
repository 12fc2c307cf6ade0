package esdb

import (
	"context"
	"testing"

	"github.com/customersvc/customersvc/command/eventstore"
)

// TestFollowerSkipsWhatItHandedOver feeds a follower what a server may
// send after a resubscription: the event at the position it started from,
// and a checkpoint no further than that.
func TestFollowerSkipsWhatItHandedOver(t *testing.T) {
	t.Parallel()
	at := func(p uint64) eventstore.Position { return eventstore.Position{Commit: p, Prepare: p} }
	event := func(p uint64, stream string) eventstore.RecordedEvent {
		return eventstore.RecordedEvent{Stream: stream, Position: at(p)}
	}
	var batches []eventstore.Batch
	f := &follower{
		s: &Store{cfg: Config{FollowBatch: 10}},
		handle: func(_ context.Context, b eventstore.Batch) error {
			batches = append(batches, b)
			return nil
		},
		last: at(200),
		seen: at(200),
	}
	ctx := t.Context()
	for _, step := range []func() error{
		func() error { return f.add(ctx, event(100, "s")) },  // before from
		func() error { return f.add(ctx, event(200, "s")) },  // at from
		func() error { return f.checkpoint(ctx, at(200)) },   // no further
		func() error { return f.add(ctx, event(300, "$s")) }, // a system stream
		func() error { return f.add(ctx, event(400, "s")) },
		func() error { return f.add(ctx, event(400, "s")) }, // again
		func() error { return f.checkpoint(ctx, at(500)) },
		func() error { return f.checkpoint(ctx, at(500)) }, // again
		func() error { return f.flush(ctx) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if len(batches) != 1 || len(batches[0].Events) != 1 || batches[0].Events[0].Position != at(400) ||
		batches[0].Reached != at(500) {
		t.Fatalf("handed over %+v; want the event at 400 with checkpoint 500", batches)
	}
	if f.last != at(500) {
		t.Errorf("would subscribe again after %s, want after 500", f.last)
	}
}
