package rebuild

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
)

// errCaughtUp ends Follow once the copy has reached the head of the log.
var errCaughtUp = errors.New("caught up")

// rebuildRun is one Run, a pipeline of three goroutines: one follows the
// log, one decodes each batch into customers, and Run's goroutine writes
// them through the loader. Reading, decoding and SQLite's writes overlap.
type rebuildRun struct {
	r        *Rebuilder
	loader   readmodel.Copy
	progress func(Progress)

	started  time.Time
	from     uint64 // the copy's checkpoint when the run started
	head     uint64 // the log head as last read; the reader's until it stops
	done     uint64 // the copy's checkpoint
	events   int64  // events applied by this run
	reported time.Time
}

func newRebuildRun(r *Rebuilder, loader readmodel.Copy, from uint64, progress func(Progress)) *rebuildRun {
	now := time.Now()
	return &rebuildRun{r: r, loader: loader, progress: progress, started: now, from: from, done: from, reported: now}
}

// logBatch is a Follow batch and the log head as the reader knew it then.
type logBatch struct {
	events  []eventstore.RecordedEvent
	reached uint64
	head    uint64
}

// chunk is a logBatch decoded.
type chunk struct {
	readmodel.Batch
	head uint64
}

// load applies the log from the copy's checkpoint to the head. When ctx
// ends first, it keeps what it has read and returns ctx's error.
func (run *rebuildRun) load(ctx context.Context) error {
	head, err := run.r.store.Head(ctx)
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	run.head = head.Commit
	if run.done >= run.head {
		run.report(true)
		return nil
	}
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	batches, chunks := make(chan logBatch, 8), make(chan chunk, 8)
	var readErr, decodeErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(batches)
		readErr = run.read(readCtx, batches)
	})
	wg.Go(func() {
		defer close(chunks)
		if decodeErr = decode(batches, chunks); decodeErr != nil {
			stopReading()
			drain(batches)
		}
	})
	writeErr := run.write(chunks)
	if writeErr != nil {
		stopReading()
		drain(chunks)
	}
	wg.Wait()
	return run.outcome(errors.Join(writeErr, decodeErr), readErr)
}

func (run *rebuildRun) outcome(err, readErr error) error {
	switch {
	case err != nil:
		return err
	case errors.Is(readErr, errCaughtUp):
		run.report(true)
		return nil
	}
	run.report(false)
	return fmt.Errorf("rebuild: interrupted at position %d: %w", run.done, readErr)
}

func drain[T any](c <-chan T) {
	for range c {
	}
}

// read follows the log from the copy's checkpoint and sends each batch; it
// ends with errCaughtUp once a batch reaches the head.
func (run *rebuildRun) read(ctx context.Context, batches chan<- logBatch) error {
	head := run.head
	from := eventstore.Position{Commit: run.from, Prepare: run.from}
	read := 0
	return run.r.store.Follow(ctx, from, customerstream.Filter, func(ctx context.Context, b eventstore.Batch) error {
		read += len(b.Events)
		if !run.pace(ctx, read) {
			return ctx.Err()
		}
		if b.Reached.Commit >= head {
			h, err := run.r.store.Head(ctx)
			if err != nil {
				return fmt.Errorf("rebuild: %w", err)
			}
			head = max(head, h.Commit)
		}
		select {
		case batches <- logBatch{events: b.Events, reached: b.Reached.Commit, head: head}:
		case <-ctx.Done():
			return ctx.Err()
		}
		if b.Reached.Commit >= head {
			return errCaughtUp
		}
		return nil
	})
}

// pace waits until read events are within MaxEventsPerSec of the start;
// false if ctx ended first.
func (run *rebuildRun) pace(ctx context.Context, read int) bool {
	rate := run.r.cfg.MaxEventsPerSec
	if rate == 0 {
		return true
	}
	due := run.started.Add(time.Duration(float64(read) / float64(rate) * float64(time.Second)))
	wait := time.Until(due)
	if wait <= 0 {
		return true
	}
	select {
	case <-time.After(wait):
		return true
	case <-ctx.Done():
		return false
	}
}

// customersOf turns a batch of customer-stream events into the rows the
// live projector writes for them, in log order: each event decoded as the
// projector's messages are (customerstream.DecodeCustomerCreated), and
// folded alone into its row, versioned by its stream revision
// (projections.CustomerRow). Other event types are skipped, as the
// projector leaves them.
func customersOf(events []eventstore.RecordedEvent) ([]query.Customer, error) {
	customers := make([]query.Customer, 0, len(events))
	for _, r := range events {
		if r.Type != domain.EventTypeCustomerCreated {
			continue
		}
		created, err := customerstream.DecodeCustomerCreated(r.Data, customerstream.SchemaVersion(r.Metadata))
		if err != nil {
			return nil, fmt.Errorf("rebuild: event %s at position %d: %w", r.ID, r.Position.Commit, err)
		}
		customers = append(customers, projections.CustomerRow(created, r.Revision))
	}
	return customers, nil
}

// decode turns each batch into the customers to save. It passes on all it
// gets: the writer takes everything until the channel closes.
func decode(batches <-chan logBatch, chunks chan<- chunk) error {
	for b := range batches {
		customers, err := customersOf(b.events)
		if err != nil {
			return err
		}
		chunks <- chunk{Batch: readmodel.Batch{Customers: customers, Position: b.reached}, head: b.head}
	}
	return nil
}

// write loads the chunks as they come until the reader stops. The loader
// commits what it has then, also when the run was interrupted: what was
// read is kept.
func (run *rebuildRun) write(chunks <-chan chunk) error {
	batches := func(yield func(readmodel.Batch) bool) {
		for c := range chunks {
			run.head = c.head
			if !yield(c.Batch) {
				return
			}
		}
	}
	// Not the run's context: an interrupted run still commits what it read.
	return run.loader.Load(context.Background(), projections.CustomersProjection, batches, readmodel.LoadOptions{
		CommitEvery: run.r.cfg.CommitEvery,
		Committed:   run.committed,
	})
}

func (run *rebuildRun) committed(position uint64, customers int) {
	run.done = position
	run.events += int64(customers)
	if time.Since(run.reported) >= run.r.cfg.ProgressEvery {
		run.report(false)
	}
}

func (run *rebuildRun) report(caughtUp bool) {
	run.reported = time.Now()
	if run.progress == nil {
		return
	}
	elapsed := run.reported.Sub(run.started).Seconds()
	p := Progress{Done: run.done, Total: max(run.head, run.done), Events: run.events, CaughtUp: caughtUp}
	if elapsed > 0 {
		p.EventsPerSec = float64(run.events) / elapsed
		if pace := float64(run.done-run.from) / elapsed; pace > 0 {
			p.ETA = time.Duration(float64(p.Total-p.Done) / pace * float64(time.Second))
		}
	}
	run.progress(p)
}
