package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/customersvc/customersvc/internal/durable"
	"github.com/customersvc/customersvc/query"
	transporthttp "github.com/customersvc/customersvc/transport/http"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// replicaIDFile keeps, in DATA_DIR, a random name made at the first start:
// what tells this volume's read model apart from the other replicas'.
const replicaIDFile = "replica.id"

// replicaName is REPLICA_NAME, or the host name and the volume's id.
func (s *Service) replicaName() string {
	if s.cfg.ReplicaName != "" {
		return s.cfg.ReplicaName
	}
	host, _ := os.Hostname()
	host = strings.Trim(notNameChars.ReplaceAllString(host, "-"), "-")
	if len(host) > 40 {
		host = host[:40]
	}
	if host == "" {
		return s.volume
	}
	return host + "-" + s.volume
}

var notNameChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// volumeID reads the id kept at path, making it on the first call.
func volumeID(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil && natsName.Match(b) {
		return string(b), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("replica id: %w", err)
	}
	var raw [4]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	id := hex.EncodeToString(raw[:])
	if err := durable.WriteFile(path, []byte(id), 0o600); err != nil {
		return "", fmt.Errorf("replica id: %w", err)
	}
	return id, nil
}

// catchUp tells whether the read model has taken in every event that was on
// the stream when this replica started: until then its lists would be
// partial, so /readyz says so and reads answer 503. It compares the read
// model's checkpoint with the log position of the stream's last event at
// start. Once caught up, it stays so (a lag later is the normal delay of a
// projection).
type catchUp struct {
	checkpoint func(context.Context) (uint64, error)
	target     uint64 // the log position of the stream's last event at start

	done atomic.Bool
	mu   sync.Mutex
	at   time.Time // of the last look at the checkpoint
	err  error     // what that look found
}

// catchUpCheckEvery bounds how often the checkpoint is read while catching
// up, however often /readyz and the reads ask.
const catchUpCheckEvery = 250 * time.Millisecond

// newCatchUp reads the stream's last event now.
func newCatchUp(ctx context.Context, js jetstream.JetStream, stream, subjectPrefix string, checkpoint func(context.Context) (uint64, error)) (*catchUp, error) {
	target, err := natsx.LastLogPosition(ctx, js, stream, subjectPrefix)
	if err != nil {
		return nil, err
	}
	c := &catchUp{target: target, checkpoint: checkpoint}
	c.done.Store(target == 0)
	return c, nil
}

// check returns nil once caught up.
func (c *catchUp) check(ctx context.Context) error {
	if c == nil || c.done.Load() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) < catchUpCheckEvery {
		return c.err
	}
	// One look serves every caller for a while: its own deadline, not the
	// asking request's, so one client going away fails nobody else.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	c.at = time.Now()
	at, err := c.checkpoint(ctx)
	switch {
	case err != nil:
		c.err = fmt.Errorf("%w: %w", transporthttp.ErrCatchingUp, err)
	case at >= c.target:
		c.done.Store(true)
		c.err = nil
	default:
		c.err = fmt.Errorf("%w: applied up to log position %d of %d", transporthttp.ErrCatchingUp, at, c.target)
	}
	return c.err
}

// servingReadModel is the read model as the query handlers see it: while
// it catches up, or while it is away, lists answer ErrReadModelUnavailable
// (503) rather than a partial list or a 500.
type servingReadModel struct {
	model readModel
	ready func(context.Context) error
}

// Customer is not held back while catching up: a customer not projected
// yet is looked up in the event store (query.GetCustomerHandler).
func (m servingReadModel) Customer(ctx context.Context, id string) (query.Customer, error) {
	c, err := m.model.Customer(ctx, id)
	return c, m.unavailable(ctx, err)
}

func (m servingReadModel) Customers(ctx context.Context, q query.ListQuery) (query.CustomerList, error) {
	if err := m.ready(ctx); err != nil {
		return query.CustomerList{}, fmt.Errorf("%w: %w", query.ErrReadModelUnavailable, err)
	}
	list, err := m.model.Customers(ctx, q)
	return list, m.unavailable(ctx, err)
}

// unavailable marks a failed read as ErrReadModelUnavailable when the read
// model does not answer a ping either (it is away: 503, try again); any
// other failure stays what it is, a 500.
func (m servingReadModel) unavailable(ctx context.Context, err error) error {
	if err == nil || errors.Is(err, query.ErrNotFound) || ctx.Err() != nil {
		return err
	}
	pingCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if perr := m.model.Ping(pingCtx); perr != nil {
		return fmt.Errorf("%w: %w", query.ErrReadModelUnavailable, err)
	}
	return err
}
