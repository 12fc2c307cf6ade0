package rebuild

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/query/readmodel"
)

// Config configures a Rebuilder. Zero fields take the defaults.
type Config struct {
	// CommitEvery is about how many customers one transaction of the copy
	// holds (default 10,000): at most what a crash makes Run do again.
	CommitEvery int
	// MaxEventsPerSec, when set, paces Run so that a rebuild beside the
	// running service leaves it CPU and disk; 0 is as fast as it goes.
	MaxEventsPerSec int
	// ProgressEvery is how often Run reports progress at most (default 1s);
	// it always reports once more when it stops.
	ProgressEvery time.Duration
	// SwitchTimeout bounds how long SwitchOver keeps the live read model's
	// writes paused (default 10s): well within NATS's ack wait (30s), so
	// that paused messages are not delivered again.
	SwitchTimeout time.Duration
	Logger        *slog.Logger
}

func (c *Config) setDefaults() {
	if c.CommitEvery == 0 {
		c.CommitEvery = 10_000
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = time.Second
	}
	if c.SwitchTimeout == 0 {
		c.SwitchTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate returns every problem of the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.CommitEvery < 0 {
		errs = append(errs, fmt.Errorf("rebuild: CommitEvery %d must not be negative", c.CommitEvery))
	}
	if c.MaxEventsPerSec < 0 {
		errs = append(errs, fmt.Errorf("rebuild: MaxEventsPerSec %d must not be negative", c.MaxEventsPerSec))
	}
	if c.ProgressEvery < 0 {
		errs = append(errs, fmt.Errorf("rebuild: ProgressEvery %s must not be negative", c.ProgressEvery))
	}
	if c.SwitchTimeout < 0 {
		errs = append(errs, fmt.Errorf("rebuild: SwitchTimeout %s must not be negative", c.SwitchTimeout))
	}
	return errors.Join(errs...)
}

// Progress is how far a rebuild has come. Done and Total are log
// positions: the log also holds other streams than the customers', so they
// measure how much of the log is read, not how many customers are stored.
type Progress struct {
	Done         uint64        // the copy's checkpoint
	Total        uint64        // the head of the log, as last read
	Events       int64         // customer events applied by this run
	EventsPerSec float64       // this run's rate
	ETA          time.Duration // to reach Total at this run's pace; 0 when unknown
	CaughtUp     bool          // Done reached the head; the copy is final
}

// Rebuilder rebuilds the customers read model from the start of the event
// store's log into a fresh copy, while the live read model keeps serving.
// It reads the store directly, not NATS, and writes through a
// readmodel.Copy (a SQLite file's Loader, or the copy of a PostgreSQL read
// model), which keeps the copy's checkpoint in the transaction of its
// rows: an interrupted Run resumes where the last commit ended.
type Rebuilder struct {
	store eventstore.Store
	cfg   Config
}

// NewRebuilder returns a rebuilder reading store.
func NewRebuilder(store eventstore.Store, cfg Config) (*Rebuilder, error) {
	if store == nil {
		return nil, errors.New("rebuild: nil event store")
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Rebuilder{store: store, cfg: cfg}, nil
}

// Run loads the copy at path (creating it) from its checkpoint until it has
// caught up with the head of the log, then builds its indexes and syncs it,
// and returns nil: the file is ready for readmodel.Open and SwitchOver.
// Progress, if not nil, is called on Run's goroutine.
//
// When ctx ends first, Run commits what it has read and returns ctx's
// error; a later Run on the same path goes on from there. Run may be called
// again on a finished copy: it applies what the log gained since.
func (r *Rebuilder) Run(ctx context.Context, path string, progress func(Progress)) (err error) {
	loader, err := readmodel.OpenLoader(ctx, path)
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	defer func() { err = errors.Join(err, loader.Close()) }()
	return r.Load(ctx, loader, path, progress)
}

// Load is Run on a copy opened already, of any read model; name says
// which in the log. It leaves the copy open.
func (r *Rebuilder) Load(ctx context.Context, c readmodel.Copy, name string, progress func(Progress)) error {
	from, err := c.Checkpoint(ctx, projections.CustomersProjection)
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	run := newRebuildRun(r, c, from, progress)
	if err := run.load(ctx); err != nil {
		return err
	}
	if err := c.Finish(ctx); err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	r.cfg.Logger.Info("rebuild: copy caught up", "copy", name, "position", run.done, "events", run.events)
	return nil
}
