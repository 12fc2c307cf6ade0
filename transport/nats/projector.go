package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/customersvc/customersvc/domain"
)

// Projector is what the router feeds: a projector of the projections
// package. Apply returns once the event's effect is committed; only then
// is the message acknowledged.
type Projector interface {
	Apply(ctx context.Context, e domain.RecordedEvent) error
}

// ProjectorHandlers adapts a projector to Watermill's CQRS event
// processor: one handler per event type, each giving the projector the
// event decoded by EventMarshaler with its place in the log, read from the
// message's headers. A message whose headers do not say where it sits is
// ErrPoison.
func ProjectorHandlers(p Projector) []cqrs.GroupEventHandler {
	return []cqrs.GroupEventHandler{
		cqrs.NewGroupEventHandler(func(ctx context.Context, e *domain.CustomerCreated) error {
			return applyMessage(ctx, p, *e)
		}),
	}
}

func applyMessage(ctx context.Context, p Projector, e domain.Event) error {
	recorded, err := recordedFrom(cqrs.OriginalMessageFromCtx(ctx), e)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPoison, err)
	}
	return p.Apply(ctx, recorded)
}

// recordedFrom is the event as the relay published it: its stream revision,
// log position and time come from the CloudEvents headers. Who caused it is
// not on the wire; RecordedBy stays empty.
func recordedFrom(msg *message.Message, e domain.Event) (domain.RecordedEvent, error) {
	if msg == nil {
		return domain.RecordedEvent{}, errors.New("nats: no message in context")
	}
	revision, err := strconv.ParseUint(msg.Metadata.Get(HeaderStreamRevision), 10, 64)
	if err != nil {
		return domain.RecordedEvent{}, fmt.Errorf("message %s: bad %s: %w", msg.UUID, HeaderStreamRevision, err)
	}
	position, err := strconv.ParseUint(msg.Metadata.Get(HeaderLogPosition), 10, 64)
	if err != nil {
		return domain.RecordedEvent{}, fmt.Errorf("message %s: bad %s: %w", msg.UUID, HeaderLogPosition, err)
	}
	recordedAt, _ := time.Parse(time.RFC3339Nano, msg.Metadata.Get(HeaderTime)) // informative only
	return domain.RecordedEvent{Event: e, StreamVersion: revision, GlobalPosition: position, RecordedAt: recordedAt}, nil
}
