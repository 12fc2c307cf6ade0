package nats

import (
	"errors"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
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
