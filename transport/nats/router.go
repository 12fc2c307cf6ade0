package nats

import (
	"cmp"
	"errors"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/nats-io/nats.go"
)

// RouterConfig configures the Watermill router that feeds the projectors.
type RouterConfig struct {
	// Conn is the router's own connection: its subscribers drain it when
	// they close.
	Conn          *nats.Conn
	Stream        string // CUSTOMER_EVENTS
	SubjectPrefix string // customers.events
	// Replica, when set, gives this instance durable consumers of its own,
	// named ProjectorDurable(projection)+"-"+Replica: each replica with a
	// local read model then receives every event. Empty: the replicas share
	// one consumer per projection (a shared read model), and JetStream
	// hands each event to one of them.
	Replica string
	// InactiveThreshold removes a replica's own consumer once nobody has
	// subscribed to it for that long (default 24h), so replicas that are
	// gone leave nothing behind; the shared consumers stay.
	InactiveThreshold time.Duration
	// DeadLetters parks the poison events; Poison counts them.
	DeadLetters Parker
	Poison      *Poison
	Logger      *slog.Logger
}

// Validate returns every problem of the configuration.
func (c RouterConfig) Validate() error {
	var errs []error
	if c.Conn == nil || c.DeadLetters == nil || c.Poison == nil {
		errs = append(errs, errors.New("router: nil connection, dead letters or poison counter"))
	}
	if c.Stream == "" || c.SubjectPrefix == "" {
		errs = append(errs, errors.New("router: stream or subject prefix is empty"))
	}
	return errors.Join(errs...)
}

// ProjectorDurable names the durable JetStream consumer of a projection
// that the replicas share.
func ProjectorDurable(projection string) string { return "projection-" + projection }

// Durable names the durable consumer this instance reads projection's
// events from (see Replica).
func (c RouterConfig) Durable(projection string) string {
	if c.Replica == "" {
		return ProjectorDurable(projection)
	}
	return ProjectorDurable(projection) + "-" + c.Replica
}

// NewRouter returns a Watermill router that delivers the stream's events
// to each projector, by projection name, through its own durable consumer
// (ProjectorDurable). Before subscribing, it makes the messages a crashed
// run left unacknowledged deliverable again at once (RedeliverPending).
// Per message, outermost first: a poison event is
// parked once the retries inside are spent; any other failure goes back to
// JetStream, which delivers the message again after a pause. Run the
// router, and Close it at shutdown.
func NewRouter(cfg RouterConfig, projectors map[string]Projector) (*message.Router, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	wmLogger := NewWatermillLogger(cfg.Logger)
	router, err := message.NewRouter(message.RouterConfig{}, wmLogger)
	if err != nil {
		return nil, err
	}
	processor, err := cqrs.NewEventGroupProcessorWithConfig(router, cqrs.EventGroupProcessorConfig{
		GenerateSubscribeTopic: func(cqrs.EventGroupProcessorGenerateSubscribeTopicParams) (string, error) {
			return cfg.SubjectPrefix + ".>", nil
		},
		SubscriberConstructor: func(p cqrs.EventGroupProcessorSubscriberConstructorParams) (message.Subscriber, error) {
			sc := SubscriberConfig{Stream: cfg.Stream, Durable: cfg.Durable(p.EventGroupName), Logger: wmLogger}
			// What a crashed run had in hands comes first, now, rather than
			// after AckWait behind the newer events (issue 14).
			redeliverPending(cfg.Conn, cfg.Stream, sc.Durable, 10*time.Second, cfg.Logger)
			if cfg.Replica != "" {
				sc.InactiveThreshold = cmp.Or(cfg.InactiveThreshold, 24*time.Hour)
			}
			return NewSubscriber(cfg.Conn, sc)
		},
		Marshaler:         EventMarshaler{},
		AckOnUnknownEvent: true,
		Logger:            wmLogger,
	})
	if err != nil {
		return nil, err
	}
	for name, p := range projectors {
		if err := processor.AddHandlersGroup(name, ProjectorHandlers(p)...); err != nil {
			return nil, err
		}
	}
	router.AddMiddleware(
		cfg.Poison.ParkPoison(cfg.DeadLetters, cfg.SubjectPrefix, cfg.Logger),
		middleware.Retry{MaxRetries: 3, InitialInterval: 100 * time.Millisecond, Multiplier: 2, Logger: wmLogger}.Middleware,
	)
	return router, nil
}
