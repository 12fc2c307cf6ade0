package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
)

// CustomersProjection is the name of the customers read model's projection:
// its checkpoint key and the name of its durable consumer.
const CustomersProjection = "customers"

// CustomersProjector builds the customers read model. Events arriving
// together (Watermill hands several messages to handlers concurrently) are
// applied in one transaction with the checkpoint; each handler returns,
// and so its message is acknowledged, only after that commit.
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

// Handlers are the projector's Watermill CQRS group handlers.
func (p *CustomersProjector) Handlers() []cqrs.GroupEventHandler {
	return []cqrs.GroupEventHandler{cqrs.NewGroupEventHandler(p.onCustomerCreated)}
}

func (p *CustomersProjector) onCustomerCreated(ctx context.Context, e *domain.CustomerCreated) error {
	revision, position, err := logPlace(cqrs.OriginalMessageFromCtx(ctx))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPoison, err)
	}
	c := query.Evolve(query.Customer{Version: -1}, *e)
	c.Version = int64(revision)
	return p.Apply(ctx, c, position)
}

func logPlace(msg *message.Message) (revision, position uint64, err error) {
	if msg == nil {
		return 0, 0, errors.New("projections: no message in context")
	}
	revision, err = strconv.ParseUint(msg.Metadata.Get(HeaderStreamRevision), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("message %s: bad %s: %w", msg.UUID, HeaderStreamRevision, err)
	}
	position, err = strconv.ParseUint(msg.Metadata.Get(HeaderLogPosition), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("message %s: bad %s: %w", msg.UUID, HeaderLogPosition, err)
	}
	return revision, position, nil
}

// Apply saves one customer as of the event at position, batched with the
// others arriving meanwhile, and returns once the batch is committed. Run
// must be running.
func (p *CustomersProjector) Apply(ctx context.Context, c query.Customer, position uint64) error {
	req := applyRequest{customer: c, position: position, done: make(chan error, 1)}
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
