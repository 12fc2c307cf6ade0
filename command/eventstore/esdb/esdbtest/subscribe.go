package esdbtest

import (
	"math"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// errDropped ends a subscription dropped by DropSubscriptions, the way a
// server going away ends it.
var errDropped = status.Error(codes.Unavailable, "esdbtest: subscription dropped by DropSubscriptions")

// subscription is one subscription's state: where it is in the log and
// what it has filtered out since its last message.
type subscription struct {
	srv      streams.Streams_ReadServer
	asString bool
	stream   string       // "" for $all
	revision uint64       // stream subscriptions: the first revision to send
	filter   *eventFilter // nil: every event
	cursor   int          // index of the next record to consider
	skipped  int          // filtered-out records since the last checkpoint
	lastSkip *record      // last filtered-out record since the last message
}

func (s *streamsService) subscribe(o *streams.ReadReq_Options, srv streams.Streams_ReadServer, asString bool) error {
	if o.GetReadDirection() != streams.ReadReq_Options_Forwards {
		return status.Error(codes.InvalidArgument, "subscriptions read forwards")
	}
	sub := &subscription{srv: srv, asString: asString}
	var err error
	if sub.filter, err = newEventFilter(o.GetFilter()); err != nil {
		return err
	}
	switch {
	case o.GetStream() != nil:
		if sub.filter != nil {
			return status.Error(codes.InvalidArgument, "filters apply to $all subscriptions only")
		}
		sub.stream = string(o.GetStream().GetStreamIdentifier().GetStreamName())
		sub.cursor, sub.revision = s.streamStart(sub.stream, o.GetStream())
	case o.GetAll() != nil:
		sub.cursor = s.allStart(o.GetAll())
	default:
		return status.Error(codes.InvalidArgument, "subscribe to neither a stream nor $all")
	}
	dropped := s.log.register()
	defer s.log.unregister()
	if err := srv.Send(confirmationResp(uuid.NewString())); err != nil {
		return err
	}
	return sub.run(s.log, dropped)
}

// streamStart returns the index of the first record a stream subscription
// considers and the first revision it sends: after the given revision, at
// the stream's start, or at the end of the log.
func (s *streamsService) streamStart(name string, so *streams.ReadReq_Options_StreamOptions) (int, uint64) {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	stored, next := s.log.streams[name], uint64(0)
	switch {
	case so.GetEnd() != nil, so.GetStart() == nil && so.GetRevision() == math.MaxUint64:
		next = uint64(len(stored))
	case so.GetStart() == nil:
		next = so.GetRevision() + 1
	}
	if next < uint64(len(stored)) {
		return stored[next].index, next
	}
	return len(s.log.records), next
}

// allStart returns the index of the first record a $all subscription
// considers: after the given position, at the start or at the end.
func (s *streamsService) allStart(ao *streams.ReadReq_Options_AllOptions) int {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	switch {
	case ao.GetStart() != nil:
		return 0
	case ao.GetEnd() != nil:
		return len(s.log.records)
	}
	p := ao.GetPosition()
	return firstFrom(s.log.records, p.GetCommitPosition(), p.GetPreparePosition(), false)
}

// run sends the stored records, CaughtUp once it has reached the end, and
// then new records as they are appended, until the client goes away or the
// subscription is dropped.
func (sub *subscription) run(log *eventLog, dropped <-chan struct{}) error {
	ctx := sub.srv.Context()
	caughtUp := false
	for {
		records, appended := log.since(sub.cursor)
		for _, r := range records {
			select {
			case <-dropped:
				return errDropped
			default:
			}
			sub.cursor++
			if err := sub.consider(r); err != nil {
				return err
			}
		}
		if len(records) > 0 {
			continue // look again before saying it caught up
		}
		if err := sub.reachedEnd(&caughtUp); err != nil {
			return err
		}
		select {
		case <-appended:
		case <-dropped:
			return errDropped
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// consider sends a record the subscription selects, and a checkpoint after
// every interval of records its filter left out.
func (sub *subscription) consider(r *record) error {
	if sub.stream != "" && (r.stream != sub.stream || r.revision < sub.revision) {
		return nil
	}
	if sub.filter != nil && !sub.filter.allows(r) {
		sub.skipped++
		sub.lastSkip = r
		if sub.skipped < sub.filter.checkpointInterval {
			return nil
		}
		sub.skipped, sub.lastSkip = 0, nil
		return sub.srv.Send(checkpointResp(r.position))
	}
	sub.lastSkip = nil
	return sub.srv.Send(eventResp(r, sub.asString))
}

// reachedEnd sends, once caught up with the log, a checkpoint at the last
// record filtered out since the last message (see the package comment),
// and CaughtUp the first time.
func (sub *subscription) reachedEnd(caughtUp *bool) error {
	if sub.lastSkip != nil {
		position := sub.lastSkip.position
		sub.skipped, sub.lastSkip = 0, nil
		if err := sub.srv.Send(checkpointResp(position)); err != nil {
			return err
		}
	}
	if *caughtUp {
		return nil
	}
	*caughtUp = true
	return sub.srv.Send(caughtUpResp)
}
