package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// SubscriberConfig configures a projector's Watermill subscriber.
type SubscriberConfig struct {
	Stream  string
	Durable string // durable consumer name; also the queue group
	// Concurrency is how many messages may be in the projector's hands at
	// once; the projector commits those together, so it bounds the batch.
	Concurrency int
	// AckWait is how long JetStream waits for an ack before redelivering.
	AckWait time.Duration
	// InactiveThreshold, when set, lets JetStream remove the consumer once
	// nobody has subscribed for that long.
	InactiveThreshold time.Duration
	Logger            watermill.LoggerAdapter
}

func (c *SubscriberConfig) setDefaults() {
	if c.Concurrency <= 0 {
		c.Concurrency = 256
	}
	if c.AckWait <= 0 {
		c.AckWait = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = watermill.NopLogger{}
	}
}

// Validate returns every problem of the configuration.
func (c SubscriberConfig) Validate() error {
	var errs []error
	if c.Stream == "" {
		errs = append(errs, errors.New("subscriber: stream is empty"))
	}
	if c.Durable == "" {
		errs = append(errs, errors.New("subscriber: durable name is empty"))
	}
	return errors.Join(errs...)
}

// NewSubscriber returns a Watermill subscriber on a durable JetStream
// consumer bound to the stream, starting from its first message. Messages
// are acknowledged explicitly, asynchronously, after the handler returns;
// unacknowledged ones come back after AckWait. The subscriber drains nc
// when it closes, so nc must be its own connection.
func NewSubscriber(nc *nats.Conn, cfg SubscriberConfig) (message.Subscriber, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts := []nats.SubOpt{
		nats.BindStream(cfg.Stream),
		nats.ManualAck(),
		nats.AckExplicit(),
		nats.DeliverAll(),
		nats.AckWait(cfg.AckWait),
		nats.MaxAckPending(4 * cfg.Concurrency),
	}
	if cfg.InactiveThreshold > 0 {
		opts = append(opts, nats.InactiveThreshold(cfg.InactiveThreshold))
	}
	return wmnats.NewSubscriberWithNatsConn(nc, wmnats.SubscriberSubscriptionConfig{
		Unmarshaler:      &wmnats.NATSMarshaler{},
		SubscribersCount: cfg.Concurrency,
		AckWaitTimeout:   cfg.AckWait,
		CloseTimeout:     10 * time.Second,
		SubscribeTimeout: 30 * time.Second,
		QueueGroupPrefix: cfg.Durable,
		// A failed message comes back after a pause rather than at once, so a
		// projector whose store is failing does not spin.
		NakDelay: wmnats.NewStaticDelay(500 * time.Millisecond),
		JetStream: wmnats.JetStreamConfig{
			DurablePrefix:    cfg.Durable,
			AckAsync:         true,
			SubscribeOptions: opts,
		},
	}, cfg.Logger)
}

// RedeliverPending makes the messages a durable consumer had delivered but
// not seen acknowledged deliverable again at once, instead of after
// AckWait: call it before subscribing. A process that crashed leaves its
// messages pending on the consumer; JetStream would hand them out again
// only after AckWait (30 s), behind the newer ones, and until then lists
// would miss customers whose creates were acknowledged. The consumer is
// reset to its ack floor (JetStream's consumer reset): delivery starts
// again from the first message not acknowledged, in stream order, so each
// customer's events still come in revision order; messages acknowledged
// above the floor come again too, and the projector skips them as already
// applied. Nothing is done when the consumer does not exist yet or has
// nothing pending. On a shared consumer (replicas sharing a read model)
// the others' messages in flight come again as well, which they skip the
// same way. A nats-server without consumer resets (2.9 does not answer
// them) leaves the pending messages to their AckWait, as before, after a
// wait of resetTimeout. It returns how many messages were pending.
func RedeliverPending(ctx context.Context, js jetstream.JetStream, stream, durable string) (int, error) {
	info, err := consumerInfo(ctx, js, stream, durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("consumer %s: %w", durable, err)
	}
	if info.NumAckPending == 0 {
		return 0, nil
	}
	// A server without the consumer reset API does not answer it at all:
	// wait for it briefly, since the consumer info just came back.
	rctx, cancel := context.WithTimeout(ctx, resetTimeout)
	defer cancel()
	if _, err := js.ResetConsumer(rctx, stream, durable); err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer in %v (a nats-server without consumer resets?): %w", resetTimeout, err)
		}
		return info.NumAckPending, fmt.Errorf("consumer %s: reset to its ack floor (stream sequence %d): %w", durable, info.AckFloor.Stream, err)
	}
	return info.NumAckPending, nil
}

// resetTimeout bounds the wait for a consumer reset's answer.
const resetTimeout = 2 * time.Second

// consumerInfo reads a consumer's state, whether it pushes (as
// NewSubscriber's do) or is pulled.
func consumerInfo(ctx context.Context, js jetstream.JetStream, stream, durable string) (*jetstream.ConsumerInfo, error) {
	push, err := js.PushConsumer(ctx, stream, durable)
	if err == nil {
		return push.CachedInfo(), nil
	}
	if !errors.Is(err, jetstream.ErrNotPushConsumer) {
		return nil, err
	}
	pull, err := js.Consumer(ctx, stream, durable)
	if err != nil {
		return nil, err
	}
	return pull.CachedInfo(), nil
}

// redeliverPending runs RedeliverPending for a subscriber about to start,
// and logs what it did. A NATS that cannot reset the consumer only makes
// the pending messages wait their AckWait, as before: it is logged, not
// fatal.
func redeliverPending(nc *nats.Conn, stream, durable string, timeout time.Duration, logger *slog.Logger) {
	js, err := jetstream.New(nc)
	if err != nil {
		logger.Warn("pending messages will come back after the ack wait", "consumer", durable, "error", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	n, err := RedeliverPending(ctx, js, stream, durable)
	switch {
	case err != nil:
		logger.Warn("pending messages will come back after the ack wait", "consumer", durable, "pending", n, "error", err)
	case n > 0:
		// An unclean stop left them, or, on a shared consumer, other
		// replicas have them in hand.
		logger.Warn("messages left unacknowledged by the last run delivered again now", "consumer", durable, "pending", n)
	}
}
