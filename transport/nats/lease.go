package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// LeaseConfig configures a Lease.
type LeaseConfig struct {
	// Bucket is the key-value bucket of the lease, e.g. CUSTOMER_EVENTS_LEASES:
	// named after the event stream, so two deployments sharing one NATS
	// never contend for each other's lease.
	Bucket string
	Key    string // what is led, e.g. "relay"
	Holder string // who asks: this replica's name, shown to operators
	// TTL is how long a lease outlives its holder's last renewal (default
	// 10s): another replica takes over at most that long after the holder
	// died or lost the broker.
	TTL      time.Duration
	Replicas int // copies of the bucket in a NATS cluster (default 1)
	Logger   *slog.Logger
}

func (c *LeaseConfig) setDefaults() {
	if c.TTL <= 0 {
		c.TTL = 10 * time.Second
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate returns every problem of the configuration.
func (c LeaseConfig) Validate() error {
	var errs []error
	if c.Bucket == "" || c.Key == "" || c.Holder == "" {
		errs = append(errs, errors.New("lease: bucket, key or holder is empty"))
	}
	if c.TTL > 0 && c.TTL < time.Second {
		errs = append(errs, fmt.Errorf("lease: TTL %s is under a second", c.TTL))
	}
	return errors.Join(errs...)
}

// Lease elects one leader among the replicas through a JetStream key-value
// bucket whose entries expire after TTL. A replica leads while the key
// holds its name: it creates the key when the key is absent (only one
// create can succeed), renews it every TTL/4 on the revision it last
// wrote, and steps down as soon as a renewal finds another revision, or
// TTL/2 after it sent its last successful write — well before the key
// expires and another replica may create it. So two replicas never lead at once,
// as long as their clocks run at about the same rate; a leader cut off from
// NATS cannot publish there either. A leader that stops deletes the key,
// and another takes over within a second.
type Lease struct {
	kv  jetstream.KeyValue
	cfg LeaseConfig

	mu   sync.Mutex
	held bool
}

// NewLease creates the lease's bucket if needed.
func NewLease(ctx context.Context, js jetstream.JetStream, cfg LeaseConfig) (*Lease, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: cfg.Bucket, Description: "leader leases", History: 1,
		TTL: cfg.TTL, Storage: jetstream.FileStorage, Replicas: cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("lease bucket %s: %w", cfg.Bucket, err)
	}
	return &Lease{kv: kv, cfg: cfg}, nil
}

// campaignEvery is how often a replica that does not lead looks for a free
// lease.
const campaignEvery = time.Second

// Run campaigns for the lease until ctx ends. Each time this replica wins
// it, lead runs with a context that ends when the lease is lost or ctx
// ends; Run waits for lead to return before campaigning again, and
// releases the lease when ctx ends. An error from lead is logged and the
// lease released, so that another replica may try.
func (l *Lease) Run(ctx context.Context, lead func(context.Context) error) error {
	tick := time.NewTicker(campaignEvery)
	defer tick.Stop()
	failing := false // a broker that stays away is logged once
	for {
		sent := time.Now()
		rev, err := l.kv.Create(ctx, l.cfg.Key, []byte(l.cfg.Holder))
		switch {
		case err == nil:
			failing = false
			l.hold(ctx, rev, sent, lead)
		case errors.Is(err, jetstream.ErrKeyExists) || ctx.Err() != nil:
			failing = false
		case !failing:
			failing = true
			l.cfg.Logger.Warn("lease: campaign failed; trying every second", "lease", l.cfg.Key, "error", err)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil
		}
	}
}

// hold runs lead while the lease at rev, written by a request sent at
// sent, is renewed; then it releases the lease.
//
// The key expires TTL after the server wrote it, which is after the
// request was sent: so this replica may lead until TTL/2 after sending its
// last successful write, whatever the network does to the answers. A
// renewal that has not succeeded by then gives up, lead is stopped, and
// only then may the key expire for another replica.
func (l *Lease) hold(ctx context.Context, rev uint64, sent time.Time, lead func(context.Context) error) {
	l.setHeld(true)
	defer l.setHeld(false)
	l.cfg.Logger.Info("lease: won", "lease", l.cfg.Key, "holder", l.cfg.Holder)
	leadCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- lead(leadCtx) }()

	renew := time.NewTicker(l.cfg.TTL / 4)
	defer renew.Stop()
	deadline := sent.Add(l.cfg.TTL / 2)
	expire := time.NewTimer(time.Until(deadline))
	defer expire.Stop()
	for {
		select {
		case err := <-done:
			if err != nil && ctx.Err() == nil {
				l.cfg.Logger.Error("lease: leader stopped", "lease", l.cfg.Key, "error", err)
			}
			l.release(rev)
			return
		case <-expire.C:
			l.cfg.Logger.Warn("lease: not renewed in time; stepping down", "lease", l.cfg.Key)
			l.stepDown(stop, done, rev)
			return
		case <-renew.C:
		}
		sent := time.Now()
		renewCtx, cancel := context.WithDeadline(ctx, deadline)
		next, err := l.kv.Update(renewCtx, l.cfg.Key, []byte(l.cfg.Holder), rev)
		cancel()
		switch {
		case err == nil:
			rev, deadline = next, sent.Add(l.cfg.TTL/2)
			expire.Reset(time.Until(deadline))
		case errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyNotFound):
			l.cfg.Logger.Warn("lease: lost to another replica", "lease", l.cfg.Key)
			l.stepDown(stop, done, rev)
			return
		}
		// Any other failure: the next tick tries again, until the deadline.
	}
}

// stepDown stops lead, waits for it, and releases the lease if it is
// still this replica's.
func (l *Lease) stepDown(stop context.CancelFunc, done <-chan error, rev uint64) {
	stop()
	<-done
	l.release(rev)
}

// release deletes the key if it still holds this replica's revision, so
// that another replica need not wait for it to expire.
func (l *Lease) release(rev uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := l.kv.Delete(ctx, l.cfg.Key, jetstream.LastRevision(rev)); err != nil {
		l.cfg.Logger.Debug("lease: not released; it expires instead", "lease", l.cfg.Key, "error", err)
	}
}

func (l *Lease) setHeld(held bool) {
	l.mu.Lock()
	l.held = held
	l.mu.Unlock()
}

// Held reports whether this replica leads now.
func (l *Lease) Held() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held
}

// Holder returns the name of the replica that leads now, "" for none.
func (l *Lease) Holder(ctx context.Context) (string, error) {
	e, err := l.kv.Get(ctx, l.cfg.Key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(e.Value()), nil
}
