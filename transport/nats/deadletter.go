package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Headers a parked message carries beside the original ones.
const (
	HeaderParkedReason     = "parked-reason"
	HeaderParkedProjection = "parked-projection"
	HeaderParkedSubject    = "parked-subject"
	HeaderParkedAt         = "parked-at"
)

// DeadLetters is the dead-letter stream: poison events parked by the
// projectors, kept until an operator replays or drops them.
type DeadLetters struct {
	js      jetstream.JetStream
	stream  string
	subject string // where parked events are published
}

// NewDeadLetters provisions the dead-letter stream (once, at start-up).
func NewDeadLetters(ctx context.Context, js jetstream.JetStream, stream, subject string, replicas int) (*DeadLetters, error) {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        stream,
		Description: "customersvc events a projector could not apply",
		Subjects:    []string{subject},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("provision stream %s: %w", stream, err)
	}
	return &DeadLetters{js: js, stream: stream, subject: subject}, nil
}

// Park implements Parker: it stores the message with its
// original headers and the reason, and returns once JetStream has it.
func (d *DeadLetters) Park(ctx context.Context, e ParkedEvent) error {
	msg := nats.NewMsg(d.subject)
	msg.Data = e.Message.Payload
	for k, v := range e.Message.Metadata {
		msg.Header.Set(k, v)
	}
	msg.Header.Set(HeaderWatermillUUID, e.Message.UUID)
	msg.Header.Set(HeaderParkedReason, e.Reason)
	msg.Header.Set(HeaderParkedProjection, e.Projection)
	msg.Header.Set(HeaderParkedSubject, e.Subject)
	msg.Header.Set(HeaderParkedAt, e.ParkedAt.Format(time.RFC3339Nano))
	_, err := d.js.PublishMsg(ctx, msg)
	return err
}

// Parked is a dead letter as listed to an operator.
type Parked struct {
	Sequence   uint64            `json:"sequence"`
	EventID    string            `json:"event_id"`
	Type       string            `json:"type"`
	Projection string            `json:"projection"`
	Subject    string            `json:"subject"`
	Reason     string            `json:"reason"`
	ParkedAt   string            `json:"parked_at"`
	Headers    map[string]string `json:"headers"`
	Data       string            `json:"data"`
}

// List returns every parked event, oldest first.
func (d *DeadLetters) List(ctx context.Context) ([]Parked, error) {
	s, err := d.js.Stream(ctx, d.stream)
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	parked := []Parked{}
	if info.State.Msgs == 0 {
		return parked, nil
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		raw, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // replayed or dropped
		}
		if err != nil {
			return nil, fmt.Errorf("read dead letter %d: %w", seq, err)
		}
		parked = append(parked, toParked(raw))
	}
	return parked, nil
}

func toParked(raw *jetstream.RawStreamMsg) Parked {
	h := map[string]string{}
	for k := range raw.Header {
		h[k] = raw.Header.Get(k)
	}
	return Parked{
		Sequence: raw.Sequence, EventID: raw.Header.Get(HeaderWatermillUUID), Type: raw.Header.Get(HeaderType),
		Projection: raw.Header.Get(HeaderParkedProjection), Subject: raw.Header.Get(HeaderParkedSubject),
		Reason: raw.Header.Get(HeaderParkedReason), ParkedAt: raw.Header.Get(HeaderParkedAt), Headers: h, Data: string(raw.Data),
	}
}

// ErrUnknownDeadLetter says there is no parked event with that sequence.
var ErrUnknownDeadLetter = errors.New("no such dead letter")

// Replay publishes a parked event again on its original subject, under a
// new message ID so that the duplicate window does not drop it, and removes
// it from the dead letters. Projectors apply events idempotently, so a
// replay of an event that was applied meanwhile changes nothing.
func (d *DeadLetters) Replay(ctx context.Context, seq uint64) error {
	s, err := d.js.Stream(ctx, d.stream)
	if err != nil {
		return err
	}
	raw, err := s.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("%d: %w", seq, ErrUnknownDeadLetter)
	}
	if err != nil {
		return err
	}
	msg := nats.NewMsg(raw.Header.Get(HeaderParkedSubject))
	msg.Data = raw.Data
	for k := range raw.Header {
		switch k {
		case HeaderParkedReason, HeaderParkedProjection, HeaderParkedSubject, HeaderParkedAt:
		default:
			msg.Header.Set(k, raw.Header.Get(k))
		}
	}
	msg.Header.Set(nats.MsgIdHdr, raw.Header.Get(HeaderWatermillUUID)+":replay:"+strconv.FormatUint(seq, 10)+":"+strconv.FormatInt(time.Now().UnixNano(), 10))
	if _, err := d.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("replay %d: %w", seq, err)
	}
	return s.DeleteMsg(ctx, seq)
}
