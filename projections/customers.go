package projections

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
)

// CustomersProjection is the name of the customers read model's projection:
// its checkpoint key and the name of its durable consumer.
const CustomersProjection = "customers"

// CustomersProjector builds the customers read model. It is idempotent:
// each row keeps the stream revision it was built from, and an event
// applied again changes nothing. Events arriving together (the broker hands
// several to Apply concurrently) are saved in one transaction with the
// checkpoint; each Apply returns, and so its message is acknowledged, only
// after that commit.
type CustomersProjector struct {
	store    query.ReadModelWriter
	logger   *slog.Logger
	requests chan applyRequest
	maxBatch int
	minBatch int // below this, collect lingers for more
	linger   time.Duration

	applied atomic.Int64 // events that changed the read model
	skipped atomic.Int64 // events already applied
}

type applyRequest struct {
	customer query.Customer
	position uint64
	done     chan error
}

// NewCustomersProjector returns a projector writing to store.
func NewCustomersProjector(store query.ReadModelWriter, logger *slog.Logger) (*CustomersProjector, error) {
	if store == nil {
		return nil, errors.New("projections: nil read model")
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &CustomersProjector{store: store, logger: logger, requests: make(chan applyRequest),
		maxBatch: 1024, minBatch: 32, linger: 2 * time.Millisecond}, nil
}

// CustomerRow is the read-model row a customer's creation gives, the
// revision-th event of its stream. The live projector and the rebuild both
// build rows with it, so the two cannot disagree.
func CustomerRow(created domain.CustomerCreated, revision uint64) query.Customer {
	c := query.Evolve(query.Customer{Version: -1}, created)
	c.Version = int64(revision)
	return c
}

// Apply saves what the event changes in the read model, batched with the
// others arriving meanwhile, and returns once the batch is committed. It
// reads the event, its StreamVersion and its GlobalPosition; events that
// do not touch the customers read model change nothing. Run must be
// running.
func (p *CustomersProjector) Apply(ctx context.Context, e domain.RecordedEvent) error {
	created, ok := e.Event.(domain.CustomerCreated)
	if !ok {
		return nil
	}
	req := applyRequest{customer: CustomerRow(created, e.StreamVersion), position: e.GlobalPosition, done: make(chan error, 1)}
	select {
	case p.requests <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run applies waiting events in batches until ctx ends.
func (p *CustomersProjector) Run(ctx context.Context) error {
	for {
		var first applyRequest
		select {
		case first = <-p.requests:
		case <-ctx.Done():
			return nil
		}
		batch := p.collect(first)
		if err := p.save(ctx, batch); err == nil || len(batch) == 1 {
			for _, r := range batch {
				r.done <- err
			}
			continue
		}
		// One bad event must not hold back the others: apply them one by
		// one, each with its own outcome.
		for _, r := range batch {
			r.done <- p.save(ctx, []applyRequest{r})
		}
	}
}

// collect takes the first request and all others already waiting. When
// that is only a few, it lingers a little for more: messages reach the
// handlers one by one, and without the linger light load would commit one
// event per transaction, each commit rewriting the same index pages. Under
// heavy load requests pile up during the previous commit and no time is
// spent lingering.
func (p *CustomersProjector) collect(first applyRequest) []applyRequest {
	batch := p.drain([]applyRequest{first})
	if len(batch) >= p.minBatch {
		return batch
	}
	linger := time.NewTimer(p.linger)
	defer linger.Stop()
	for len(batch) < p.maxBatch {
		select {
		case r := <-p.requests:
			batch = append(batch, r)
		case <-linger.C:
			return batch
		}
	}
	return batch
}

// drain adds the requests already waiting, up to maxBatch.
func (p *CustomersProjector) drain(batch []applyRequest) []applyRequest {
	for len(batch) < p.maxBatch {
		select {
		case r := <-p.requests:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

func (p *CustomersProjector) save(ctx context.Context, batch []applyRequest) error {
	customers := make([]query.Customer, 0, len(batch))
	var position uint64
	for _, r := range batch {
		customers = append(customers, r.customer)
		position = max(position, r.position)
	}
	changed, err := p.store.SaveCustomers(context.WithoutCancel(ctx), customers, CustomersProjection, position)
	if err != nil {
		p.logger.Error("customers projection: save failed", "error", err, "events", len(batch))
		return err
	}
	p.applied.Add(int64(changed))
	p.skipped.Add(int64(len(batch) - changed))
	return nil
}

// Stats returns how many events changed the read model and how many were
// already there (redeliveries).
func (p *CustomersProjector) Stats() (applied, skipped int64) {
	return p.applied.Load(), p.skipped.Load()
}
