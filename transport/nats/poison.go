package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
)

// ErrPoison marks an event a projector can never apply as it is: it does
// not decode, or its schema is newer than this code. Retrying it does not
// help; it is parked instead, so that the events after it go on.
var ErrPoison = errors.New("event cannot be applied")

// ParkedEvent is a poison event set aside with the reason.
type ParkedEvent struct {
	Projection string
	Subject    string // where it was published
	Reason     string
	ParkedAt   time.Time
	Message    *message.Message
}

// Parker keeps parked events (a dead-letter stream).
type Parker interface {
	Park(ctx context.Context, e ParkedEvent) error
}

// Poison counts the events parked since start, per process.
type Poison struct {
	parked atomic.Int64
}

// Parked is how many events were parked since start.
func (p *Poison) Parked() int64 { return p.parked.Load() }

// ParkPoison is router middleware: a handler error that is ErrPoison (after
// the retries of the middleware inside it) parks the message with its
// reason and acknowledges it; any other error goes back to the broker for
// redelivery, since a failing read model is not the event's fault. The
// projection is the handler's name, which the router gives each projector.
func (p *Poison) ParkPoison(parker Parker, subjectPrefix string, logger *slog.Logger) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			out, err := h(msg)
			if err == nil || !errors.Is(err, ErrPoison) {
				return out, err
			}
			projection := message.HandlerNameFromCtx(msg.Context())
			subject, _ := Subject(subjectPrefix, eventTypeOfCEType[msg.Metadata.Get(HeaderType)])
			parked := ParkedEvent{Projection: projection, Subject: subject, Reason: err.Error(), ParkedAt: time.Now().UTC(), Message: msg}
			if perr := parker.Park(context.WithoutCancel(msg.Context()), parked); perr != nil {
				return nil, fmt.Errorf("park poison event %s: %w", msg.UUID, errors.Join(err, perr))
			}
			p.parked.Add(1)
			logger.Error("projection: event parked", "projection", projection, "event_id", msg.UUID,
				"type", msg.Metadata.Get(HeaderType), "reason", err.Error(), "parked_total", p.parked.Load())
			return nil, nil
		}
	}
}
