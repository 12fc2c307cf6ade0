package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/customersvc/customersvc/projections"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// broker is the service's NATS: the embedded server if it runs one, and
// two connections (the Watermill subscriber drains its own when it closes).
type broker struct {
	embedded    *server.Server
	embeddedCfg natsx.EmbeddedConfig
	pub, sub    *nats.Conn
	js          jetstream.JetStream
	url         string
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
	if err := s.checkJetStream(ctx, b.js); err != nil {
		return err
	}
	if err := natsx.EnsureStream(ctx, b.js, natsx.StreamConfig{
		Name: s.cfg.NATSStream, SubjectPrefix: s.cfg.NATSSubjectPrefix, Duplicates: s.cfg.NATSDuplicateWindow,
		MaxAge: s.cfg.NATSStreamMaxAge, MaxBytes: int64(s.cfg.NATSStreamMaxBytes), Compress: s.cfg.NATSStreamCompression == "s2",
		Replicas: s.cfg.NATSReplicas,
	}); err != nil {
		return err
	}
	if s.deadLetters, err = natsx.NewDeadLetters(ctx, b.js, natsx.DeadLetterConfig{
		Stream: s.cfg.NATSStream + "_DEADLETTER", Subject: "deadletter." + s.cfg.NATSSubjectPrefix, Replicas: s.cfg.NATSReplicas,
		MaxAge: s.cfg.DeadLetterMaxAge, MaxBytes: int64(s.cfg.DeadLetterMaxBytes), MaxMsgs: int64(s.cfg.DeadLetterMaxMsgs),
	}); err != nil {
		return err
	}
	background, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.background = cancel
	if b.embedded != nil {
		s.goBackground("embedded JetStream", background, func(ctx context.Context) error {
			natsx.KeepJetStream(ctx, b.embedded, b.embeddedCfg, 5*time.Second, s.logger)
			return nil
		})
	}
	if err := s.startRelay(background); err != nil {
		return err
	}
	if err := s.startBootstrap(background); err != nil {
		return err
	}
	return s.startProjectors(background)
}

func (s *Service) connectBroker() (*broker, error) {
	b := &broker{}
	connector := natsx.Connector{URL: s.cfg.NATSURL, Logger: s.logger}
	if s.cfg.NATSURL == "" {
		b.embeddedCfg = natsx.EmbeddedConfig{
			StoreDir: s.path("nats"), Listen: s.cfg.NATSEmbeddedListen, SyncInterval: EmbeddedSyncInterval,
			MaxStore: embeddedMaxStore(int64(s.cfg.NATSStreamMaxBytes), int64(s.cfg.DeadLetterMaxBytes)), Log: natsx.NewServerLog(s.logger),
		}
		ns, err := natsx.StartEmbedded(b.embeddedCfg)
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

// checkJetStream waits until JetStream answers: at once on the embedded
// server; an external one until the start-up deadline (a cold compose up
// starts it with the service, and a cluster's JetStream answers only once
// the cluster has formed). A server without JetStream fails start-up, in
// one line, at once.
func (s *Service) checkJetStream(ctx context.Context, js jetstream.JetStream) error {
	check := func(ctx context.Context) error {
		_, err := js.AccountInfo(ctx)
		if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
			// Also what a server answers while its JetStream is still
			// starting: only the server's own word is final.
			on, _ := s.broker.pub.ConnectedServerJetStream()
			if (!on && s.broker.pub.Status() == nats.CONNECTED) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
				return permanent(errors.New("NATS_URL: the server does not run JetStream (start nats-server with -js)"))
			}
		}
		return err
	}
	if s.broker.embedded != nil {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		err := check(ctx)
		if p, ok := errors.AsType[permanentError](err); ok {
			return p.err
		}
		return err
	}
	return s.retryStartup(ctx, "NATS_URL", "NATS", func(ctx context.Context) error {
		for _, nc := range []*nats.Conn{s.broker.pub, s.broker.sub} {
			if st := nc.Status(); st != nats.CONNECTED {
				if err := nc.LastError(); err != nil {
					return fmt.Errorf("not connected (%s): %w", st, err)
				}
				return fmt.Errorf("not connected (%s)", st)
			}
		}
		if err := check(ctx); err != nil {
			return fmt.Errorf("JetStream does not answer: %w", err)
		}
		return nil
	})
}

// startRelay starts the relay. Replicas (an external event store and an
// external NATS) share it: it runs only while this instance holds the
// relay lease, and its progress is kept in a bucket beside the stream. An
// instance with its own event store in DATA_DIR relays its own log, from
// the progress kept beside it.
func (s *Service) startRelay(ctx context.Context) error {
	publisher, err := natsx.NewBatchPublisher(s.broker.pub, s.cfg.NATSStream)
	if err != nil {
		return err
	}
	progress, err := natsx.NewProgressFile(s.cfg.DataDir, s.cfg.RelayRepublishWindow)
	if err != nil {
		return err
	}
	var shared natsx.RelayProgress = progress
	if s.replicated() {
		if shared, err = natsx.NewProgressKV(ctx, s.broker.js, natsx.ProgressKVConfig{
			Bucket: s.cfg.NATSStream + "_RELAY", Stream: s.cfg.NATSStream, SubjectPrefix: s.cfg.NATSSubjectPrefix,
			RepublishWindow: s.cfg.RelayRepublishWindow, Replicas: s.cfg.NATSReplicas, Former: progress,
		}); err != nil {
			return err
		}
		if s.lease, err = natsx.NewLease(ctx, s.broker.js, natsx.LeaseConfig{
			Bucket: s.cfg.NATSStream + "_LEASES", Key: "relay", Holder: s.replica,
			TTL: s.cfg.RelayLeaseTTL, Replicas: s.cfg.NATSReplicas, Logger: s.logger,
		}); err != nil {
			return err
		}
	}
	relay, err := natsx.NewRelay(s.store, publisher, shared,
		natsx.RelayConfig{SubjectPrefix: s.cfg.NATSSubjectPrefix, Source: s.cfg.EventSource, Logger: s.logger})
	if err != nil {
		return err
	}
	s.relay = relay
	if s.lease == nil {
		s.goBackground("relay", ctx, relay.Run)
		return nil
	}
	s.goBackground("relay lease", ctx, func(ctx context.Context) error { return s.lease.Run(ctx, relay.Run) })
	return nil
}

// startProjectors starts the customers projector behind its consumer: one
// the replicas share when the read model is shared, this instance's own
// when the read model is in DATA_DIR and NATS is external (every replica
// then keeps a complete read model).
func (s *Service) startProjectors(ctx context.Context) error {
	projector, err := projections.NewCustomersProjector(s.readModel, s.logger)
	if err != nil {
		return err
	}
	s.projector = projector
	s.goBackground("customers projector", ctx, projector.Run)
	cfg := natsx.RouterConfig{
		Conn: s.broker.sub, Stream: s.cfg.NATSStream, SubjectPrefix: s.cfg.NATSSubjectPrefix,
		DeadLetters: s.deadLetters, Poison: &s.poison, Logger: s.logger,
	}
	if s.localModel != nil && s.broker.embedded == nil {
		cfg.Replica = s.volume
	}
	s.durable = cfg.Durable(projections.CustomersProjection)
	checkpoint := func(ctx context.Context) (uint64, error) {
		return s.readModel.Checkpoint(ctx, projections.CustomersProjection)
	}
	if s.catchUp, err = newCatchUp(ctx, s.broker.js, s.cfg.NATSStream, s.cfg.NATSSubjectPrefix, checkpoint); err != nil {
		return err
	}
	router, err := natsx.NewRouter(cfg, map[string]natsx.Projector{projections.CustomersProjection: projector})
	if err != nil {
		return err
	}
	s.router = router
	s.goBackground("watermill router", ctx, router.Run)
	s.onClose(router.Close)
	select {
	case <-router.Running():
		return nil
	case <-ctx.Done():
		return errors.New("projectors did not start")
	}
}

// replicated reports whether this instance is one of replicas sharing an
// event store and a NATS.
func (s *Service) replicated() bool {
	return s.cfg.EventStoreURL != "" && s.broker.embedded == nil
}

// embeddedMaxStore is what the embedded JetStream may keep: the event
// stream's and the dead letters' byte limits (each reserved from it) and a
// gigabyte for the consumers' state and the buckets (and the dead letters
// without a limit). Without a byte limit on the events, nats-server's own
// choice.
func embeddedMaxStore(streamMaxBytes, deadLetterMaxBytes int64) int64 {
	if streamMaxBytes <= 0 {
		return 0
	}
	return streamMaxBytes + max(deadLetterMaxBytes, 0) + 1<<30
}
