package esdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/customersvc/customersvc/command/eventstore"
)

// follower is one Follow call's state across its subscriptions.
type follower struct {
	s      *Store
	handle func(context.Context, eventstore.Batch) error
	filter *esdbclient.SubscriptionFilter
	last   eventstore.Position // handed over up to here: where to subscribe again
	seen   eventstore.Position // gathered up to here, at or after last
	batch  []eventstore.RecordedEvent
	linger *time.Timer
}

// follow runs one subscription until it drops, ctx ends or handle fails.
// It reports whether the server sent anything, so that Follow can tell a
// subscription that worked for a while from one that never did.
func (f *follower) follow(ctx context.Context) (progressed bool, err error) {
	sub, err := f.subscribe(ctx)
	if err != nil {
		return false, err
	}
	recvCtx, stopRecv := context.WithCancel(ctx)
	msgs := make(chan *esdbclient.SubscriptionEvent, f.s.cfg.FollowBatch)
	received := make(chan struct{})
	go receive(recvCtx, sub, msgs, received)
	defer func() {
		stopRecv()
		sub.Close()
		<-received
	}()
	return f.pump(ctx, msgs)
}

// subscribe subscribes after the last position handed over; Start is the
// beginning of the log (the client's default would be its end).
func (f *follower) subscribe(ctx context.Context) (*esdbclient.Subscription, error) {
	opts := esdbclient.SubscribeToAllOptions{From: esdbclient.Start{}, Filter: f.filter}
	if f.last != eventstore.Start {
		opts.From = esdbclient.Position{Commit: f.last.Commit, Prepare: f.last.Prepare}
	}
	var sub *esdbclient.Subscription
	err := f.s.call(func(c *esdbclient.Client) (err error) {
		sub, err = c.SubscribeToAll(ctx, opts)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe to $all after %s: %w", f.last, err)
	}
	return sub, nil
}

// receive reads the subscription ahead of the handler, up to the buffer of
// msgs, until the subscription drops; the drop is its last message.
func receive(ctx context.Context, sub *esdbclient.Subscription, msgs chan<- *esdbclient.SubscriptionEvent, done chan<- struct{}) {
	defer close(done)
	for {
		m := sub.Recv()
		select {
		case msgs <- m:
		case <-ctx.Done():
			return
		}
		if m.SubscriptionDropped != nil {
			return
		}
	}
}

// pump gathers events into batches and hands them over.
func (f *follower) pump(ctx context.Context, msgs <-chan *esdbclient.SubscriptionEvent) (progressed bool, err error) {
	for {
		var quiet <-chan time.Time
		if len(f.batch) > 0 {
			f.linger.Reset(f.s.cfg.FollowLinger)
			quiet = f.linger.C
		}
		select {
		case <-ctx.Done():
			return progressed, ctx.Err()
		case <-quiet:
			err = f.flush(ctx)
		case m := <-msgs:
			progressed = true
			switch {
			case m.SubscriptionDropped != nil:
				return progressed, f.dropped(ctx, m.SubscriptionDropped.Error)
			case m.EventAppeared != nil:
				err = f.add(ctx, toRecorded(m.EventAppeared.OriginalEvent()))
			case m.CheckPointReached != nil:
				err = f.checkpoint(ctx, toPosition(*m.CheckPointReached))
			case m.CaughtUp != nil:
				err = f.flush(ctx)
			}
		}
		if err != nil {
			return progressed, err
		}
	}
}

// add gathers an event, unless it was handed over already: a server sends
// again what follows the position it was asked to start from, and may
// send the event at it.
func (f *follower) add(ctx context.Context, e eventstore.RecordedEvent) error {
	if !f.seen.Less(e.Position) || strings.HasPrefix(e.Stream, "$") {
		return nil
	}
	f.batch = append(f.batch, e)
	f.seen = e.Position
	if len(f.batch) >= f.s.cfg.FollowBatch {
		return f.flush(ctx)
	}
	return nil
}

// checkpoint hands over the events gathered with the server's checkpoint,
// unless the checkpoint is no further than what was gathered.
func (f *follower) checkpoint(ctx context.Context, p eventstore.Position) error {
	if !f.seen.Less(p) {
		return nil
	}
	f.seen = p
	return f.deliver(ctx, p)
}

// flush hands over the events gathered, if any.
func (f *follower) flush(ctx context.Context) error {
	if len(f.batch) == 0 {
		return nil
	}
	return f.deliver(ctx, f.seen)
}

func (f *follower) deliver(ctx context.Context, checkpoint eventstore.Position) error {
	b := eventstore.Batch{Events: f.batch, Reached: checkpoint}
	f.batch = nil // the handler may keep b.Events
	if err := f.handle(ctx, b); err != nil {
		return &handleError{err: err}
	}
	f.last = checkpoint
	return nil
}

// dropped hands over what was gathered and returns why the subscription
// ended.
func (f *follower) dropped(ctx context.Context, cause error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := f.flush(ctx); err != nil {
		return err
	}
	if cause == nil {
		cause = errors.New("no reason given")
	}
	return fmt.Errorf("subscription to $all dropped: %w", cause)
}
