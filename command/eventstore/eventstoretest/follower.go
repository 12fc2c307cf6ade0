package eventstoretest

import (
	"context"
	"testing"
	"time"

	"github.com/customersvc/customersvc/command/eventstore"
)

// follower runs Follow in the background, checks the order of what it
// delivers, and hands the events over one at a time.
type follower struct {
	events  chan eventstore.RecordedEvent
	stopped chan struct{} // closed when Follow has returned err
	err     error
}

// startFollow follows s from from for streams with one of prefixes, until
// the test ends.
func startFollow(t *testing.T, s eventstore.Store, from eventstore.Position, prefixes ...string) *follower {
	ctx, cancel := context.WithCancel(t.Context())
	f := &follower{events: make(chan eventstore.RecordedEvent), stopped: make(chan struct{})}
	o := orderCheck{t: t, checkpoint: from}
	go func() {
		defer close(f.stopped)
		f.err = s.Follow(ctx, from, eventstore.Filter{StreamPrefixes: prefixes}, func(ctx context.Context, b eventstore.Batch) error {
			o.check(b)
			for _, e := range b.Events {
				select {
				case f.events <- e:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-f.stopped
	})
	return f
}

// next returns the next event Follow delivers.
func (f *follower) next(t *testing.T) eventstore.RecordedEvent {
	t.Helper()
	select {
	case e := <-f.events:
		return e
	case <-f.stopped:
		t.Fatalf("Follow returned: %v", f.err)
	case <-time.After(waitTimeout):
		t.Fatalf("Follow delivered nothing within %s", waitTimeout)
	}
	panic("unreachable")
}

// take returns the next n events Follow delivers.
func (f *follower) take(t *testing.T, n int) []eventstore.RecordedEvent {
	t.Helper()
	events := make([]eventstore.RecordedEvent, n)
	for i := range events {
		events[i] = f.next(t)
	}
	return events
}

// orderCheck checks what Batch promises: events after every earlier
// checkpoint and in log order, checkpoints that never go back and are at or
// after their batch's events.
type orderCheck struct {
	t          *testing.T
	checkpoint eventstore.Position
}

func (o *orderCheck) check(b eventstore.Batch) {
	last := o.checkpoint
	for _, e := range b.Events {
		if !last.Less(e.Position) {
			o.t.Errorf("event %s at %s delivered after %s", e.ID, e.Position, last)
		}
		last = e.Position
	}
	if b.Reached.Less(last) {
		o.t.Errorf("checkpoint %s before %s", b.Reached, last)
	}
	o.checkpoint = b.Reached
}
