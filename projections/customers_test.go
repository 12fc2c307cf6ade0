package projections_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
)

// TestCustomersProjectorApply: a creation becomes a row with its stream
// revision and moves the checkpoint; the same event again changes nothing.
func TestCustomersProjectorApply(t *testing.T) {
	t.Parallel()
	rm, err := readmodel.Open(t.Context(), filepath.Join(t.TempDir(), "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	p, err := projections.NewCustomersProjector(rm, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go p.Run(ctx)

	e := created(7)
	for range 2 {
		if err := p.Apply(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	want := e.Event.(domain.CustomerCreated)
	got, err := rm.Customer(ctx, want.CustomerID)
	if err != nil || got.Name != want.Name || got.ParentOrganizationID != want.ParentOrganizationID || got.Version != 0 {
		t.Fatalf("row %+v, %v", got, err)
	}
	if applied, skipped := p.Stats(); applied != 1 || skipped != 1 {
		t.Errorf("applied %d, skipped %d; want 1 and 1", applied, skipped)
	}
	if cp, err := rm.Checkpoint(ctx, projections.CustomersProjection); err != nil || cp != e.GlobalPosition {
		t.Errorf("checkpoint %d (%v), want %d", cp, err, e.GlobalPosition)
	}
	if row := projections.CustomerRow(want, 3); row.Version != 3 || row.ID != want.CustomerID || row.UpdatedAt != want.CreatedAt {
		t.Errorf("CustomerRow %+v", row)
	}
}

// TestCustomersProjectorGap: an event whose predecessor is not applied yet
// fails with query.ErrRevisionGap and changes nothing, the checkpoint
// included; delivered again after its predecessor, it applies.
func TestCustomersProjectorGap(t *testing.T) {
	t.Parallel()
	rm, p, ctx := startProjector(t)
	first := created(10)
	second := created(11)
	renamed := second.Event.(domain.CustomerCreated)
	renamed.CustomerID, renamed.Name = first.Event.(domain.CustomerCreated).CustomerID, "Renamed"
	second.Event, second.StreamVersion = renamed, 1

	if err := p.Apply(ctx, second); !errors.Is(err, query.ErrRevisionGap) {
		t.Fatalf("revision 1 before 0: %v, want ErrRevisionGap", err)
	}
	if _, err := rm.Customer(ctx, renamed.CustomerID); !errors.Is(err, query.ErrNotFound) {
		t.Fatalf("after the gap: %v, want ErrNotFound", err)
	}
	if cp, _ := rm.Checkpoint(ctx, projections.CustomersProjection); cp != 0 {
		t.Fatalf("checkpoint %d after a gap, want 0", cp)
	}
	for _, e := range []domain.RecordedEvent{first, second, first} {
		if err := p.Apply(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := rm.Customer(ctx, renamed.CustomerID); err != nil || got.Name != "Renamed" || got.Version != 1 {
		t.Fatalf("row %+v, %v", got, err)
	}
	applied, skipped := p.Stats()
	if applied != 2 || skipped != 1 || p.Gaps() != 1 {
		t.Fatalf("applied %d, skipped %d, gaps %d; want 2, 1, 1", applied, skipped, p.Gaps())
	}
	if cp, _ := rm.Checkpoint(ctx, projections.CustomersProjection); cp != second.GlobalPosition {
		t.Fatalf("checkpoint %d, want %d", cp, second.GlobalPosition)
	}
}

// TestCustomersProjectorFallsBackOneByOne: when a batch fails as a whole,
// each of its events is applied alone and gets its own answer.
func TestCustomersProjectorFallsBackOneByOne(t *testing.T) {
	t.Parallel()
	w := &failingWriter{bad: "bad", gate: make(chan struct{})}
	p, err := projections.NewCustomersProjector(w, quiet)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go p.Run(ctx)
	// The first event holds the writer until the others wait behind it, so
	// that they make one batch.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	wg.Go(func() { errs[0] = p.Apply(ctx, created(100)) })
	for i := 1; i < len(errs); i++ {
		e := created(int64(i + 1))
		if i == 3 {
			c := e.Event.(domain.CustomerCreated)
			c.CustomerID = "bad"
			e.Event = c
		}
		wg.Go(func() { errs[i] = p.Apply(ctx, e) })
	}
	time.Sleep(20 * time.Millisecond)
	close(w.gate)
	wg.Wait()
	for i, err := range errs {
		if (i == 3) != (err != nil) {
			t.Errorf("event %d: %v", i, err)
		}
	}
	if applied, _ := p.Stats(); applied != 7 {
		t.Errorf("applied %d, want 7", applied)
	}
	if w.failedBatch < 2 {
		t.Errorf("the failing batch held %d events: the fallback was not tested", w.failedBatch)
	}
}

// failingWriter fails every batch holding the customer bad, and applies
// the others.
// The first call waits for gate.
type failingWriter struct {
	bad         string
	gate        chan struct{}
	mu          sync.Mutex
	failedBatch int // the size of the largest batch that failed
}

func (w *failingWriter) ApplyEvents(_ context.Context, events []query.CustomerEvent, _ string) ([]query.Outcome, error) {
	<-w.gate
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]query.Outcome, len(events))
	for i, e := range events {
		if e.CustomerID == w.bad {
			w.failedBatch = max(w.failedBatch, len(events))
			return nil, errors.New("bad event")
		}
		out[i] = query.Applied
	}
	return out, nil
}

func (w *failingWriter) Checkpoint(context.Context, string) (uint64, error) { return 0, nil }

var quiet = slog.New(slog.DiscardHandler)

func startProjector(t *testing.T) (*readmodel.Store, *projections.CustomersProjector, context.Context) {
	t.Helper()
	rm, err := readmodel.Open(t.Context(), filepath.Join(t.TempDir(), "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rm.Close() })
	p, err := projections.NewCustomersProjector(rm, quiet)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	go p.Run(ctx)
	return rm, p, ctx
}
