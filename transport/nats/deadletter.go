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
// projectors, kept until an operator replays or drops them, or until the
// stream's retention limits remove the oldest.
type DeadLetters struct {
	js      jetstream.JetStream
	stream  string
	subject string // where parked events are published
}

// DeadLetterConfig describes the dead-letter stream.
type DeadLetterConfig struct {
	Stream   string // <NATS_STREAM>_DEADLETTER
	Subject  string // deadletter.<prefix>
	Replicas int
	// MaxAge, MaxBytes and MaxMsgs bound what the stream keeps: past any
	// of them, the oldest dead letters go first. Zero is no such bound.
	// Dead letters hold whole customers, so keeping them forever costs
	// disk and privacy; the event store keeps every event anyway, and a
	// rebuild applies them again.
	MaxAge   time.Duration
	MaxBytes int64
	MaxMsgs  int64
}

// Validate returns every problem of the configuration.
func (c DeadLetterConfig) Validate() error {
	var errs []error
	if c.Stream == "" || c.Subject == "" {
		errs = append(errs, errors.New("dead letters: empty stream name or subject"))
	}
	if c.MaxAge < 0 || c.MaxBytes < 0 || c.MaxMsgs < 0 {
		errs = append(errs, errors.New("dead letters: negative retention limit"))
	}
	return errors.Join(errs...)
}

// NewDeadLetters provisions the dead-letter stream (once, at start-up): it
// creates it, or updates an existing one to cfg's limits.
func NewDeadLetters(ctx context.Context, js jetstream.JetStream, cfg DeadLetterConfig) (*DeadLetters, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.Stream,
		Description: "customersvc events a projector could not apply",
		Subjects:    []string{cfg.Subject},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		// A full stream drops its oldest dead letter rather than refuse a
		// new one: a refused park would stop the projector on that event.
		Discard:  jetstream.DiscardOld,
		MaxAge:   cfg.MaxAge,
		MaxBytes: noLimitIfZero(cfg.MaxBytes),
		MaxMsgs:  noLimitIfZero(cfg.MaxMsgs),
		Replicas: max(cfg.Replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("provision stream %s: %w", cfg.Stream, err)
	}
	return &DeadLetters{js: js, stream: cfg.Stream, subject: cfg.Subject}, nil
}

// noLimitIfZero is n, or JetStream's "no limit" (-1) for zero.
func noLimitIfZero(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
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

// Page sizes of a dead-letter listing.
const (
	DefaultDeadLetterPage = 100
	MaxDeadLetterPage     = 1000
)

// ErrBadPageSize says a page size is outside 1 to MaxDeadLetterPage.
var ErrBadPageSize = fmt.Errorf("page size must be 1 to %d", MaxDeadLetterPage)

// ParkedPage is one page of dead letters, oldest first.
type ParkedPage struct {
	Parked []Parked
	// Next is the sequence to pass as after for the next page; zero on the
	// last page.
	Next uint64
	// Total is how many dead letters the stream holds now, and
	// LastSequence the sequence of the last one ever parked.
	Total, LastSequence uint64
}

// Page returns up to limit parked events with sequences after after,
// oldest first. It reads only those: one direct get per event, each the
// next one on the dead-letter subject from a sequence, so replayed and
// expired sequences cost nothing.
func (d *DeadLetters) Page(ctx context.Context, after uint64, limit int) (ParkedPage, error) {
	if limit < 1 || limit > MaxDeadLetterPage {
		return ParkedPage{}, ErrBadPageSize
	}
	s, err := d.js.Stream(ctx, d.stream)
	if err != nil {
		return ParkedPage{}, err
	}
	page := ParkedPage{Parked: make([]Parked, 0, min(limit, DefaultDeadLetterPage))}
	for seq := after + 1; seq != 0 && len(page.Parked) < limit; {
		raw, err := s.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(d.subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			break // none after seq
		}
		if err != nil {
			return ParkedPage{}, fmt.Errorf("read dead letter after %d: %w", seq-1, err)
		}
		page.Parked = append(page.Parked, toParked(raw))
		seq = raw.Sequence + 1
	}
	// The state after the reads, so that a page that ends before what was
	// parked meanwhile still has a next one.
	info, err := s.Info(ctx)
	if err != nil {
		return ParkedPage{}, err
	}
	page.Total, page.LastSequence = info.State.Msgs, info.State.LastSeq
	if n := len(page.Parked); n == limit && page.Parked[n-1].Sequence < page.LastSequence {
		page.Next = page.Parked[n-1].Sequence
	}
	return page, nil
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
