package projections

import (
	"context"
	"errors"
	"fmt"
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
//
// The read model folds a customer's events in stream order only: an event
// whose predecessor is not applied yet (replicas sharing a consumer may
// receive a customer's events out of order) fails its Apply with
// query.ErrRevisionGap, so that its message is delivered again later.
type CustomersProjector struct {
	store    query.ReadModelWriter
	logger   *slog.Logger
	requests chan applyRequest
	maxBatch int
	minBatch int // below this, collect lingers for more
	linger   time.Duration

	applied atomic.Int64 // events that changed the read model
	skipped atomic.Int64 // events already applied
	gaps    atomic.Int64 // events refused until their predecessor is in
}

type applyRequest struct {
	event query.CustomerEvent
	done  chan error
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
// revision-th event of its stream. The rebuild builds rows with it, with
// the same Evolve the read model folds live events with, so the two cannot
// disagree.
func CustomerRow(created domain.CustomerCreated, revision uint64) query.Customer {
	c := query.Evolve(query.Customer{Version: -1}, created)
	c.Version = int64(revision)
	return c
}

// customerEvent is e as the read model takes it; false for events that do
// not touch the customers read model. Each new event type of a customer's
// stream gets a case here.
func customerEvent(e domain.RecordedEvent) (query.CustomerEvent, bool) {
	var id string
	switch ev := e.Event.(type) {
	case domain.CustomerCreated:
		id = ev.CustomerID
	default:
		return query.CustomerEvent{}, false
	}
	return query.CustomerEvent{CustomerID: id, Revision: int64(e.StreamVersion), Position: e.GlobalPosition, Event: e.Event}, true
}

// Apply saves what the event changes in the read model, batched with the
// others arriving meanwhile, and returns once the batch is committed. It
// reads the event, its StreamVersion and its GlobalPosition; events that
// do not touch the customers read model change nothing. An event that
// comes before its predecessor returns an error wrapping
// query.ErrRevisionGap. Run must be running.
func (p *CustomersProjector) Apply(ctx context.Context, e domain.RecordedEvent) error {
	event, ok := customerEvent(e)
	if !ok {
		return nil
	}
	req := applyRequest{event: event, done: make(chan error, 1)}
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
			if err != nil {
				batch[0].done <- err
			}
			continue
		}
		// One bad event must not hold back the others: apply them one by
		// one, each with its own outcome.
		for _, r := range batch {
			if err := p.save(ctx, []applyRequest{r}); err != nil {
				r.done <- err
			}
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

// save applies the batch in one transaction and answers each request of
// it; an error is the whole batch's, and then none is answered.
func (p *CustomersProjector) save(ctx context.Context, batch []applyRequest) error {
	events := make([]query.CustomerEvent, len(batch))
	for i, r := range batch {
		events[i] = r.event
	}
	outcomes, err := p.store.ApplyEvents(context.WithoutCancel(ctx), events, CustomersProjection)
	if err == nil && len(outcomes) != len(events) {
		err = fmt.Errorf("customers projection: %d outcomes for %d events", len(outcomes), len(events))
	}
	if err != nil {
		p.logger.Error("customers projection: save failed", "error", err, "events", len(batch))
		return err
	}
	for i, r := range batch {
		r.done <- p.count(r.event, outcomes[i])
	}
	return nil
}

// count counts an outcome, and returns the error that is its Apply's.
func (p *CustomersProjector) count(e query.CustomerEvent, o query.Outcome) error {
	switch o {
	case query.Applied:
		p.applied.Add(1)
		return nil
	case query.Skipped:
		p.skipped.Add(1)
		return nil
	case query.Gap:
		p.gaps.Add(1)
		return fmt.Errorf("customer %s revision %d at position %d: %w", e.CustomerID, e.Revision, e.Position, query.ErrRevisionGap)
	}
	return fmt.Errorf("customers projection: unknown outcome %d for customer %s", o, e.CustomerID)
}

// Stats returns how many events changed the read model and how many were
// already there (redeliveries).
func (p *CustomersProjector) Stats() (applied, skipped int64) {
	return p.applied.Load(), p.skipped.Load()
}

// Gaps returns how many events were refused because an earlier event of
// their customer was not applied yet; each is delivered again later.
func (p *CustomersProjector) Gaps() int64 { return p.gaps.Load() }
