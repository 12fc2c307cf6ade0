package esdbtest

import (
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// streamsService serves Streams: Append and Read. Delete, Tombstone and
// BatchAppend answer Unimplemented.
type streamsService struct {
	streams.UnimplementedStreamsServer
	log *eventLog
}

// Read serves reads with a count and subscriptions, of a stream or of $all.
func (s *streamsService) Read(req *streams.ReadReq, srv streams.Streams_ReadServer) error {
	o := req.GetOptions()
	if o == nil {
		return status.Error(codes.InvalidArgument, "no read options")
	}
	if o.GetUuidOption() == nil {
		return status.Error(codes.InvalidArgument, "uuid_option is required")
	}
	asString := o.GetUuidOption().GetString_() != nil
	if o.GetSubscription() != nil {
		return s.subscribe(o, srv, asString)
	}
	if o.GetFilter() != nil {
		return status.Error(codes.Unimplemented, "esdbtest: filtered reads are not implemented, only filtered subscriptions")
	}
	var records []*record
	switch {
	case o.GetStream() != nil:
		name := string(o.GetStream().GetStreamIdentifier().GetStreamName())
		stored := s.log.stream(name)
		if len(stored) == 0 {
			return srv.Send(streamNotFoundResp(name))
		}
		records = readStream(stored, o)
	case o.GetAll() != nil:
		records = readAll(s.log.all(), o)
	default:
		return status.Error(codes.InvalidArgument, "read neither a stream nor $all")
	}
	for _, r := range records[:min(uint64(len(records)), o.GetCount())] {
		if err := srv.Send(eventResp(r, asString)); err != nil {
			return err
		}
	}
	return nil
}

// readStream returns a stream's records in the order read: forwards from a
// revision on, or backwards from a revision down.
func readStream(stored []*record, o *streams.ReadReq_Options) []*record {
	so := o.GetStream()
	if o.GetReadDirection() == streams.ReadReq_Options_Backwards {
		from := uint64(len(stored)) - 1
		switch {
		case so.GetStart() != nil:
			from = 0
		case so.GetEnd() == nil:
			from = min(so.GetRevision(), from)
		}
		return reversed(stored[:from+1])
	}
	switch {
	case so.GetEnd() != nil:
		return nil
	case so.GetStart() != nil:
		return stored
	}
	return stored[min(so.GetRevision(), uint64(len(stored))):]
}

// readAll returns the log in the order read: forwards from a position on
// (the event at it included), or backwards from before a position.
func readAll(log []*record, o *streams.ReadReq_Options) []*record {
	ao := o.GetAll()
	p := ao.GetPosition()
	if o.GetReadDirection() == streams.ReadReq_Options_Backwards {
		switch {
		case ao.GetStart() != nil:
			return nil
		case ao.GetEnd() != nil:
			return reversed(log)
		}
		return reversed(log[:firstFrom(log, p.GetCommitPosition(), p.GetPreparePosition(), true)])
	}
	switch {
	case ao.GetEnd() != nil:
		return nil
	case ao.GetStart() != nil:
		return log
	}
	return log[firstFrom(log, p.GetCommitPosition(), p.GetPreparePosition(), true):]
}

func reversed(records []*record) []*record {
	r := slices.Clone(records)
	slices.Reverse(r)
	return r
}
