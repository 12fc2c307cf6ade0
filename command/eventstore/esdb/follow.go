package esdb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/customersvc/customersvc/command/eventstore"
)

// Follow implements eventstore.Store with a catch-up subscription to $all,
// filtered on the server by stream name prefix. System streams (names
// starting with "$") are never delivered.
//
// Batches: events are handed over as they arrive, gathered while more
// follow within Config.FollowLinger, up to Config.FollowBatch. A checkpoint
// from the server comes as a batch of its own (with any events still
// gathered), so that a follower whose filter matches little still
// advances; otherwise a batch reaches its last event's position.
//
// Delivery: every event after from is handed over exactly once per Follow
// call, in log order. When the subscription drops (the server restarts,
// the connection breaks), Follow hands over what it gathered, waits
// (Config.ResubscribeMin, doubling up to ResubscribeMax) and subscribes
// again after the last position handed over, skipping anything at or
// before it that the server sends again; it retries until ctx ends. It
// gives up only on errors that waiting cannot cure: authentication, access
// and an unsupported server.
func (s *Store) Follow(ctx context.Context, from eventstore.Position, filter eventstore.Filter, handle func(context.Context, eventstore.Batch) error) error {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.life, cancel) // Close ends Follow
	defer stop()
	f := &follower{
		s:      s,
		handle: handle,
		filter: toSubscriptionFilter(filter),
		last:   from,
		seen:   from,
		linger: time.NewTimer(time.Hour),
	}
	defer f.linger.Stop()
	delay := s.cfg.ResubscribeMin
	for {
		progressed, err := f.follow(ctx)
		if end := s.followEnd(parent, err); end != nil {
			return end
		}
		if progressed {
			delay = s.cfg.ResubscribeMin
		}
		s.cfg.Logger.WarnContext(ctx, "esdb event store: subscription to $all dropped; subscribing again",
			"after", f.last.String(), "in", delay, "err", err)
		select {
		case <-ctx.Done():
			return s.followEnd(parent, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, s.cfg.ResubscribeMax)
	}
}

// followEnd returns what Follow returns after a subscription ended with
// err, nil if it should subscribe again.
func (s *Store) followEnd(parent context.Context, err error) error {
	if he, ok := errors.AsType[*handleError](err); ok {
		return he.err
	}
	if s.life.Err() != nil {
		return ErrClosed
	}
	if err := parent.Err(); err != nil {
		return err
	}
	for _, code := range []esdbclient.ErrorCode{
		esdbclient.ErrorCodeUnauthenticated, esdbclient.ErrorCodeAccessDenied, esdbclient.ErrorCodeUnsupportedFeature,
	} {
		if hasCode(err, code) {
			return fmt.Errorf("follow $all: %w", err)
		}
	}
	return nil
}

// handleError carries the error of Follow's handle out of a subscription.
type handleError struct{ err error }

func (e *handleError) Error() string { return e.err.Error() }

// systemFilter selects every stream but the system streams.
const systemFilter = `^[^$]`

func toSubscriptionFilter(f eventstore.Filter) *esdbclient.SubscriptionFilter {
	if len(f.StreamPrefixes) == 0 || slices.Contains(f.StreamPrefixes, "") {
		return &esdbclient.SubscriptionFilter{Type: esdbclient.StreamFilterType, Regex: systemFilter}
	}
	return &esdbclient.SubscriptionFilter{Type: esdbclient.StreamFilterType, Prefixes: slices.Clone(f.StreamPrefixes)}
}
