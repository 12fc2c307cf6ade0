package esdbtest

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// System metadata keys of a recorded event. The client needs all three: it
// exits the process (log.Fatalf) when "created" does not parse.
const (
	metaType        = "type"
	metaContentType = "content-type"
	metaCreated     = "created"
)

// fromProtoUUID reads an event ID sent either way the protocol allows.
func fromProtoUUID(u *shared.UUID) (uuid.UUID, error) {
	if s := u.GetStructured(); s != nil {
		var id uuid.UUID
		binary.BigEndian.PutUint64(id[:8], uint64(s.GetMostSignificantBits()))
		binary.BigEndian.PutUint64(id[8:], uint64(s.GetLeastSignificantBits()))
		return id, nil
	}
	if u.GetString_() != "" {
		return uuid.Parse(u.GetString_())
	}
	return uuid.Nil, fmt.Errorf("no event ID")
}

// toProtoUUID writes an ID the way the reader asked for.
func toProtoUUID(id uuid.UUID, asString bool) *shared.UUID {
	if asString {
		return &shared.UUID{Value: &shared.UUID_String_{String_: id.String()}}
	}
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits:  int64(binary.BigEndian.Uint64(id[:8])),
		LeastSignificantBits: int64(binary.BigEndian.Uint64(id[8:])),
	}}}
}

// toProposed checks and converts one proposed message of an append; the
// server refuses one without a type or content type.
func toProposed(m *streams.AppendReq_ProposedMessage) (proposed, error) {
	id, err := fromProtoUUID(m.GetId())
	if err != nil {
		return proposed{}, status.Errorf(codes.InvalidArgument, "event ID: %v", err)
	}
	p := proposed{id: id, data: m.GetData(), metadata: m.GetCustomMetadata()}
	var ok bool
	if p.eventType, ok = m.GetMetadata()[metaType]; !ok {
		return proposed{}, status.Errorf(codes.InvalidArgument, "required metadata property %q is missing", metaType)
	}
	if p.contentType, ok = m.GetMetadata()[metaContentType]; !ok {
		return proposed{}, status.Errorf(codes.InvalidArgument, "required metadata property %q is missing", metaContentType)
	}
	return p, nil
}

func eventResp(r *record, asString bool) *streams.ReadResp {
	return &streams.ReadResp{Content: &streams.ReadResp_Event{Event: &streams.ReadResp_ReadEvent{
		Event: &streams.ReadResp_ReadEvent_RecordedEvent{
			Id:               toProtoUUID(r.id, asString),
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   r.revision,
			PreparePosition:  r.position,
			CommitPosition:   r.position,
			Metadata: map[string]string{
				metaType:        r.eventType,
				metaContentType: r.contentType,
				metaCreated:     strconv.FormatInt(r.created, 10),
			},
			CustomMetadata: r.metadata,
			Data:           r.data,
		},
		Position: &streams.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.position},
	}}}
}

func checkpointResp(position uint64) *streams.ReadResp {
	return &streams.ReadResp{Content: &streams.ReadResp_Checkpoint_{Checkpoint: &streams.ReadResp_Checkpoint{
		CommitPosition: position, PreparePosition: position,
	}}}
}

func confirmationResp(id string) *streams.ReadResp {
	return &streams.ReadResp{Content: &streams.ReadResp_Confirmation{
		Confirmation: &streams.ReadResp_SubscriptionConfirmation{SubscriptionId: id},
	}}
}

var caughtUpResp = &streams.ReadResp{Content: &streams.ReadResp_CaughtUp_{CaughtUp: &streams.ReadResp_CaughtUp{}}}

func streamNotFoundResp(stream string) *streams.ReadResp {
	return &streams.ReadResp{Content: &streams.ReadResp_StreamNotFound_{StreamNotFound: &streams.ReadResp_StreamNotFound{
		StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(stream)},
	}}}
}
