package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/projections/rebuild"
	"github.com/customersvc/customersvc/query/readmodel"
	"github.com/customersvc/customersvc/transport/http/auth"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// Service is the running service.
type Service struct {
	cfg    Config
	logger *slog.Logger
	// startBy is the start-up deadline: STARTUP_TIMEOUT after Start began.
	startBy time.Time

	store     eventstore.Store
	readModel readModel
	// localModel is the read model in DATA_DIR, when it is there: a rebuilt
	// copy can take over while serving.
	localModel *readmodel.Swappable
	broker     *broker
	replica    string       // this instance's name among the replicas
	volume     string       // the id of DATA_DIR: a local read model's consumer is named after it
	lease      *natsx.Lease // who relays, with an external NATS; nil: this instance alone
	relay      *natsx.Relay
	projector  *projections.CustomersProjector
	router     *message.Router
	durable    string   // the projector's JetStream consumer
	catchUp    *catchUp // whether the read model has caught up since start
	// rebuilds runs the operators' rebuilds, and a new replica's first
	// load of its local read model; bootstrapping is set during the latter.
	rebuilds      *rebuild.Manager
	bootstrapping atomic.Bool
	poison        natsx.Poison
	deadLetters   *natsx.DeadLetters

	listener      net.Listener
	adminListener net.Listener
	debugListener net.Listener
	verifier      *auth.Verifier // the public API's and the admin API's tokens
	server        *http.Server

	background context.CancelFunc
	wg         sync.WaitGroup
	closers    []func() error // run in reverse order at shutdown
}

// Start opens the stores, connects to NATS (starting the embedded server
// unless NATS_URL is set), starts the relay and the projectors, and serves
// HTTP. Shutdown stops it.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (svc *Service, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	if err := prepareDataDir(cfg.DataDir, logger); err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, logger: logger, startBy: time.Now().Add(cfg.StartupTimeout)}
	defer func() {
		if err != nil {
			// Stop what runs in the background before closing what it uses.
			if s.background != nil {
				s.background()
				s.wg.Wait()
			}
			s.closeAll()
		}
	}()
	if s.volume, err = volumeID(s.path(replicaIDFile)); err != nil {
		return nil, err
	}
	s.replica = s.replicaName()
	if err := s.openStores(ctx); err != nil {
		return nil, err
	}
	if s.rebuilds, err = s.rebuildManager(); err != nil {
		return nil, err
	}
	if err := s.startMessaging(ctx); err != nil {
		return nil, err
	}
	if err := s.serveHTTP(); err != nil {
		return nil, err
	}
	logger.Info("customersvc started", "http", s.Addr(), "data_dir", cfg.DataDir, "nats", s.broker.describe(), "replica", s.replica)
	return s, nil
}

func (s *Service) path(name string) string { return filepath.Join(s.cfg.DataDir, name) }

func (s *Service) onClose(f func() error) { s.closers = append(s.closers, f) }

// Addr is the address the HTTP server listens on.
func (s *Service) Addr() string { return s.listener.Addr().String() }

// Shutdown stops accepting requests, lets in-flight ones finish, waits
// until the relay has published and the projector applied what was
// acknowledged (within ctx), then stops everything and closes the stores.
func (s *Service) Shutdown(ctx context.Context) error {
	var errs []error
	if err := s.server.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
	}
	if err := s.drain(ctx); err != nil {
		s.logger.Warn("shutdown: projections not drained", "error", err)
	}
	s.background()
	s.wg.Wait()
	errs = append(errs, s.closeAll())
	return errors.Join(errs...)
}

func (s *Service) closeAll() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// drain waits for this instance's own work: if it relays, until every
// event appended so far is published (so that the next leader has nothing
// to catch up); on the embedded broker, where the consumer is this
// instance's alone, until it has nothing left to deliver or to ack; then
// until the projector has applied the events in its hands. Other
// replicas' work, and events still on a shared consumer, are theirs. (The
// projector's checkpoint is no measure: it applies events concurrently, so
// its highest position can run ahead of an event still in flight.)
func (s *Service) drain(ctx context.Context) error {
	if s.LeadsRelay() {
		if err := s.drainRelay(ctx); err != nil {
			return err
		}
	}
	if s.broker.embedded != nil {
		if err := s.drainConsumer(ctx); err != nil {
			return err
		}
	}
	// Closing the router waits for the handlers in flight, while the
	// projector still runs to answer them.
	return s.router.Close()
}

// drainRelay waits until the relay has published everything appended so
// far, or until this instance no longer leads it (another replica then
// publishes the rest).
func (s *Service) drainRelay(ctx context.Context) error {
	head, err := s.store.Head(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if s.lease != nil {
		go func() {
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for s.lease.Held() {
				select {
				case <-tick.C:
				case <-ctx.Done():
					return
				}
			}
			cancel()
		}()
	}
	if err := s.relay.WaitPublished(ctx, head); err != nil && s.LeadsRelay() {
		return fmt.Errorf("relay: %w", err)
	}
	return nil
}

// drainConsumer waits until the projector's consumer has nothing left to
// deliver or to ack.
func (s *Service) drainConsumer(ctx context.Context) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		pending, err := natsx.ConsumerPending(ctx, s.broker.js, s.cfg.NATSStream, s.durable)
		if err != nil {
			return err
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("projector has %d events pending: %w", pending, ctx.Err())
		}
	}
}

// go runs f in the background until shutdown.
func (s *Service) goBackground(name string, ctx context.Context, f func(context.Context) error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := f(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("background task stopped", "task", name, "error", err)
		}
	}()
}

// ProjectionStats says how many events changed the customers read model
// and how many arrived again and changed nothing, since start.
func (s *Service) ProjectionStats() (applied, skipped int64) { return s.projector.Stats() }

// LeadsRelay reports whether this instance relays the log to NATS now:
// always on the embedded broker, while it holds the relay lease otherwise.
func (s *Service) LeadsRelay() bool { return s.lease == nil || s.lease.Held() }

// Replica is this instance's name among the replicas.
func (s *Service) Replica() string { return s.replica }

// RelayPublished is how many events the relay published since start.
func (s *Service) RelayPublished() int64 { return s.relay.PublishedCount() }

// NATSURL is the URL downstream subscribers use: the external server's,
// or the embedded one's when it listens on TCP; empty otherwise.
func (s *Service) NATSURL() string {
	if s.broker.embedded != nil {
		return s.broker.url
	}
	return s.cfg.NATSURL
}

// PoisonParked is how many poison events were parked since start.
func (s *Service) PoisonParked() int64 { return s.poison.Parked() }
