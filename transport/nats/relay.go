package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/nats-io/nats.go"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
)

// Publisher sends a batch of messages to the broker. It returns nil only
// once the broker has acknowledged every message of the batch.
type Publisher interface {
	PublishBatch(ctx context.Context, msgs []*nats.Msg) error
}

// RelayProgress keeps how far the relay has published (ProgressFile).
type RelayProgress interface {
	Load() (eventstore.Position, error)
	Save(eventstore.Position) error
}

// RelayConfig configures a Relay.
type RelayConfig struct {
	SubjectPrefix string // e.g. customers.events
	Source        string // CloudEvents source
	MinBackoff    time.Duration
	MaxBackoff    time.Duration
	// SaveEvery bounds how often the progress is saved (default 250ms); a
	// crash re-publishes at most that much.
	SaveEvery time.Duration
	Logger    *slog.Logger
}

func (c *RelayConfig) setDefaults() {
	if c.MinBackoff <= 0 {
		c.MinBackoff = 100 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.SaveEvery <= 0 {
		c.SaveEvery = 250 * time.Millisecond
	}
}

// Validate returns every problem of the configuration.
func (c RelayConfig) Validate() error {
	var errs []error
	if c.SubjectPrefix == "" {
		errs = append(errs, errors.New("relay: subject prefix is empty"))
	}
	if c.Source == "" {
		errs = append(errs, errors.New("relay: CloudEvents source is empty"))
	}
	return errors.Join(errs...)
}

// Relay follows the event store's global log from its saved progress and
// publishes every customer event to NATS, in log order, batch by batch. Its
// progress moves only after the broker acknowledged the whole batch, so an
// event is published at least once; after a crash the batch in flight is
// published again and JetStream drops the copies by their message ID.
type Relay struct {
	store     eventstore.Store
	publisher Publisher
	progress  RelayProgress
	cfg       RelayConfig

	// saved and savedAt are the progress last saved; only Run's goroutine
	// touches them.
	saved   eventstore.Position
	savedAt time.Time

	mu        sync.Mutex
	published eventstore.Position
	lastEvent eventstore.Position // of the last event published
	count     int64               // events published since start
	changed   chan struct{}       // closed and replaced whenever published moves
	healthy   bool
}

// NewRelay returns a relay from store to publisher.
func NewRelay(store eventstore.Store, publisher Publisher, progress RelayProgress, cfg RelayConfig) (*Relay, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || publisher == nil || progress == nil {
		return nil, errors.New("relay: nil store, publisher or progress")
	}
	from, err := progress.Load()
	if err != nil {
		return nil, fmt.Errorf("relay: load progress: %w", err)
	}
	return &Relay{store: store, publisher: publisher, progress: progress, cfg: cfg,
		saved: from, published: from, changed: make(chan struct{}), healthy: true}, nil
}

// Run relays until ctx ends, then saves its progress. A failure of the
// store or the broker is retried with exponential backoff from the last
// published position. Run may be called again after it returned, as a
// replica does each time it wins the relay lease: it resumes from the
// progress saved meanwhile, by whichever replica led.
func (r *Relay) Run(ctx context.Context) error {
	from, err := r.progress.Load()
	if err != nil {
		return fmt.Errorf("relay: load progress: %w", err)
	}
	r.saved = from
	r.mu.Lock()
	r.published, r.healthy = from, true
	r.mu.Unlock()
	_, err = backoff.Retry(ctx, func() (struct{}, error) {
		err := r.store.Follow(ctx, r.Published(), customerstream.Filter, r.handle)
		if errors.Is(err, ErrProgressTaken) {
			// Another replica relays now: stop rather than retry.
			return struct{}{}, backoff.Permanent(err)
		}
		return struct{}{}, err
	}, r.retrying("following the log failed")...)
	if ctx.Err() != nil {
		return r.saveProgress()
	}
	return err
}

// retrying are the options of a retry that goes on until ctx ends, waiting
// from MinBackoff up to MaxBackoff, and logs each failure.
func (r *Relay) retrying(what string, attrs ...any) []backoff.RetryOption {
	return []backoff.RetryOption{
		backoff.WithBackOff(&backoff.ExponentialBackOff{
			InitialInterval:     r.cfg.MinBackoff,
			RandomizationFactor: 0, // waits as before: MinBackoff doubling up to MaxBackoff
			Multiplier:          2,
			MaxInterval:         r.cfg.MaxBackoff,
		}),
		backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, next time.Duration) {
			r.cfg.Logger.Warn("relay: "+what+"; retrying", append(attrs, "error", err, "backoff", next)...)
		}),
	}
}

func (r *Relay) handle(ctx context.Context, b eventstore.Batch) error {
	if len(b.Events) > 0 {
		msgs := make([]*nats.Msg, 0, len(b.Events))
		for _, e := range b.Events {
			if e.Type == customerstream.EventTypeCreationAbandoned {
				// The mark of a creation that never happened (see
				// command/reservation.go): no customer's event.
				continue
			}
			msg, err := toMessage(r.cfg.SubjectPrefix, r.cfg.Source, e)
			if err != nil {
				// An event type without a NATS contract is a programming
				// error; stopping here would stall every later event.
				r.cfg.Logger.Error("relay: event not published", "error", err)
				continue
			}
			msgs = append(msgs, msg)
		}
		if err := r.publish(ctx, msgs); err != nil {
			return err
		}
		r.mu.Lock()
		r.lastEvent = b.Events[len(b.Events)-1].Position
		r.count += int64(len(msgs))
		r.mu.Unlock()
	}
	if !r.Published().Less(b.Reached) {
		return nil
	}
	r.advance(b.Reached)
	if time.Since(r.savedAt) < r.cfg.SaveEvery {
		return nil
	}
	return r.saveProgress()
}

// saveProgress persists the published position. It is saved at most every
// SaveEvery and when the relay stops: after a crash the relay publishes
// again what it published since, and JetStream drops the copies.
func (r *Relay) saveProgress() error {
	p := r.Published()
	if p == r.saved {
		return nil
	}
	if err := r.progress.Save(p); err != nil {
		return fmt.Errorf("save relay progress: %w", err)
	}
	r.saved, r.savedAt = p, time.Now()
	return nil
}

// publish retries one batch until the broker takes all of it.
func (r *Relay) publish(ctx context.Context, msgs []*nats.Msg) error {
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := r.publisher.PublishBatch(ctx, msgs)
		r.setHealthy(err == nil)
		return struct{}{}, err
	}, r.retrying("publish failed", "events", len(msgs))...)
	return err
}

func (r *Relay) advance(p eventstore.Position) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.published = p
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *Relay) setHealthy(ok bool) {
	r.mu.Lock()
	r.healthy = ok
	r.mu.Unlock()
}

// Healthy reports whether the last publish succeeded.
func (r *Relay) Healthy() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.healthy
}

// Published is the log position up to which every event is on NATS.
func (r *Relay) Published() eventstore.Position {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.published
}

// PublishedCount is how many events this relay published since it started.
func (r *Relay) PublishedCount() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// LastPublishedEvent is the log position of the last event this relay
// published since it started.
func (r *Relay) LastPublishedEvent() eventstore.Position {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastEvent
}

// WaitPublished blocks until everything up to target is published or ctx ends.
func (r *Relay) WaitPublished(ctx context.Context, target eventstore.Position) error {
	for {
		r.mu.Lock()
		done, changed := !r.published.Less(target), r.changed
		r.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
