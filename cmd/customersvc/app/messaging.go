package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/customersvc/customersvc/projections"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// broker is the service's NATS: the embedded server if it runs one, and
// two connections (the Watermill subscriber drains its own when it closes).
type broker struct {
	embedded *server.Server
	pub, sub *nats.Conn
	js       jetstream.JetStream
	url      string
}

func (b *broker) describe() string {
	if b.embedded != nil {
		if b.url != "" {
			return "embedded, listening on " + b.url
		}
		return "embedded, in-process only"
	}
	return "external"
}

// projectorDurable names the durable JetStream consumer of a projection.
func projectorDurable(projection string) string { return "projection-" + projection }

// pendingFor is how many messages the durable consumer has not yet
// delivered or had acknowledged.
func (b *broker) pendingFor(ctx context.Context, stream, durable string) (uint64, error) {
	c, err := b.js.PushConsumer(ctx, stream, durable)
	if err != nil {
		return 0, fmt.Errorf("consumer %s: %w", durable, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("consumer %s: %w", durable, err)
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}

// ping reports whether the broker connection is up.
func (b *broker) ping(context.Context) error {
	if st := b.pub.Status(); st != nats.CONNECTED {
		return fmt.Errorf("nats connection %s", st)
	}
	return nil
}

// startMessaging connects to NATS, provisions the stream, and starts the
// relay and the projectors.
func (s *Service) startMessaging(ctx context.Context) error {
	b, err := s.connectBroker()
	if err != nil {
		return err
	}
	s.broker = b
	if b.js, err = jetstream.New(b.pub); err != nil {
		return err
	}
	if err := natsx.EnsureStream(ctx, b.js, natsx.StreamConfig{
		Name: s.cfg.NATSStream, SubjectPrefix: s.cfg.NATSSubjectPrefix, Duplicates: s.cfg.NATSDuplicateWindow,
	}); err != nil {
		return err
	}
	if s.deadLetters, err = natsx.NewDeadLetters(ctx, b.js, s.cfg.NATSStream+"_DEADLETTER", "deadletter."+s.cfg.NATSSubjectPrefix); err != nil {
		return err
	}
	background, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.background = cancel
	if err := s.startRelay(background); err != nil {
		return err
	}
	return s.startProjectors(background)
}

func (s *Service) connectBroker() (*broker, error) {
	b := &broker{}
	connector := natsx.Connector{URL: s.cfg.NATSURL, Logger: s.logger}
	if s.cfg.NATSURL == "" {
		ns, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: s.path("nats"), Listen: s.cfg.NATSEmbeddedListen})
		if err != nil {
			return nil, err
		}
		s.onClose(func() error { ns.Shutdown(); ns.WaitForShutdown(); return nil })
		b.embedded = ns
		connector.Embedded = ns
		if s.cfg.NATSEmbeddedListen != "" {
			b.url = ns.ClientURL()
		}
	}
	var err error
	if b.pub, err = connector.Connect("customersvc-relay"); err != nil {
		return nil, err
	}
	s.onClose(func() error { b.pub.Close(); return nil })
	if b.sub, err = connector.Connect("customersvc-projectors"); err != nil {
		return nil, err
	}
	s.onClose(func() error { b.sub.Close(); return nil })
	return b, nil
}

func (s *Service) startRelay(ctx context.Context) error {
	publisher, err := natsx.NewBatchPublisher(s.broker.pub, s.cfg.NATSStream)
	if err != nil {
		return err
	}
	relay, err := projections.NewRelay(s.store, publisher, projections.NewFileCheckpoint(s.path("relay.checkpoint"), s.cfg.RelayRepublishWindow),
		projections.RelayConfig{SubjectPrefix: s.cfg.NATSSubjectPrefix, Source: s.cfg.EventSource, Logger: s.logger})
	if err != nil {
		return err
	}
	s.relay = relay
	s.goBackground("relay", ctx, relay.Run)
	return nil
}

func (s *Service) startProjectors(ctx context.Context) error {
	projector, err := projections.NewCustomersProjector(s.readModel, s.logger)
	if err != nil {
		return err
	}
	s.projector = projector
	s.goBackground("customers projector", ctx, projector.Run)

	wmLogger := watermillLogger{logger: s.logger}
	router, err := message.NewRouter(message.RouterConfig{}, wmLogger)
	if err != nil {
		return err
	}
	processor, err := cqrs.NewEventGroupProcessorWithConfig(router, cqrs.EventGroupProcessorConfig{
		GenerateSubscribeTopic: func(cqrs.EventGroupProcessorGenerateSubscribeTopicParams) (string, error) {
			return s.cfg.NATSSubjectPrefix + ".>", nil
		},
		SubscriberConstructor: func(p cqrs.EventGroupProcessorSubscriberConstructorParams) (message.Subscriber, error) {
			return natsx.NewSubscriber(s.broker.sub, natsx.SubscriberConfig{
				Stream: s.cfg.NATSStream, Durable: projectorDurable(p.EventGroupName), Logger: wmLogger,
			})
		},
		Marshaler:         projections.EventMarshaler{},
		AckOnUnknownEvent: true,
		Logger:            wmLogger,
	})
	if err != nil {
		return err
	}
	if err := processor.AddHandlersGroup(projections.CustomersProjection, projector.Handlers()...); err != nil {
		return err
	}
	// Outermost first: a poison event is parked once the retries inside are
	// spent; other failures go back to JetStream and come again later.
	router.AddMiddleware(
		s.poison.ParkPoison(s.deadLetters, projections.CustomersProjection, s.cfg.NATSSubjectPrefix, s.logger),
		middleware.Retry{MaxRetries: 3, InitialInterval: 100 * time.Millisecond, Multiplier: 2, Logger: wmLogger}.Middleware,
	)
	s.goBackground("watermill router", ctx, router.Run)
	s.onClose(router.Close)
	select {
	case <-router.Running():
		return nil
	case <-ctx.Done():
		return errors.New("projectors did not start")
	}
}
