package postgres_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
	"github.com/customersvc/customersvc/query/readmodel/postgres"
	"github.com/customersvc/customersvc/query/readmodel/postgres/pgtest"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

// load loads customers into the copy, as one batch at position at.
func load(t *testing.T, c readmodel.Copy, at uint64, customers ...query.Customer) {
	t.Helper()
	batches := func(yield func(readmodel.Batch) bool) { yield(readmodel.Batch{Customers: customers, Position: at}) }
	if err := c.Load(t.Context(), "customers", batches, readmodel.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
}

func applyOne(t *testing.T, s *postgres.Store, e query.CustomerEvent, want query.Outcome) {
	t.Helper()
	got, err := s.ApplyEvents(t.Context(), []query.CustomerEvent{e}, "customers")
	if err != nil || !slices.Equal(got, []query.Outcome{want}) {
		t.Fatalf("outcomes %v, %v; want %s", got, err, want)
	}
}

// TestSwitchToCopy: while the copy catches up, writers wait and readers
// read the live tables; then the copy is live, and the waiting write goes
// into it.
func TestSwitchToCopy(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t)
	s, other := openStore(t, db), openStore(t, db)
	old := readmodeltest.Customer(1, "Old")
	applyOne(t, s, readmodeltest.Created(old, 0, 1), query.Applied)
	c, err := s.OpenCopy(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rebuilt := readmodeltest.Customer(1, "Rebuilt")
	load(t, c, 1, rebuilt)

	late := readmodeltest.Customer(2, "Late")
	written := make(chan []query.Outcome, 1)
	err = s.SwitchToCopy(t.Context(), func(ctx context.Context) error {
		go func() {
			o, err := other.ApplyEvents(context.Background(), []query.CustomerEvent{readmodeltest.Created(late, 0, 2)}, "customers")
			if err != nil {
				t.Error(err)
			}
			written <- o
		}()
		select {
		case o := <-written:
			t.Errorf("a write went through while the live tables were locked: %v", o)
		case <-time.After(100 * time.Millisecond):
		}
		got, err := other.Customer(ctx, old.ID) // readers go on
		if err != nil || got.Name != old.Name {
			t.Errorf("read during the switch: %+v, %v", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if o := <-written; !slices.Equal(o, []query.Outcome{query.Applied}) {
		t.Fatalf("the waiting write: %v", o)
	}
	for _, want := range []query.Customer{rebuilt, late} {
		if got, err := s.Customer(t.Context(), want.ID); err != nil || !readmodeltest.Equal(got, want) {
			t.Fatalf("after the switch: %+v, %v; want %+v", got, err, want)
		}
	}
	if n, err := other.Checkpoint(t.Context(), "customers"); err != nil || n != 2 {
		t.Fatalf("checkpoint %d, %v; want 2", n, err)
	}
	// The next rebuild, once this one let the copy go, starts from an
	// empty copy.
	if _, err := other.OpenCopy(t.Context()); !errors.Is(err, readmodel.ErrCopyInUse) {
		t.Fatalf("a second copy beside the first: %v, want ErrCopyInUse", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	next, err := other.OpenCopy(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if n, err := next.Checkpoint(t.Context(), "customers"); err != nil || n != 0 {
		t.Fatalf("the next copy's checkpoint %d, %v; want 0", n, err)
	}
}

// TestSwitchToCopyBehind: a copy behind the live read model is refused,
// and nothing changes.
func TestSwitchToCopyBehind(t *testing.T) {
	t.Parallel()
	s := openStore(t, pgtest.Database(t))
	live := readmodeltest.Customer(1, "Live")
	applyOne(t, s, readmodeltest.Created(live, 0, 5), query.Applied)
	c, err := s.OpenCopy(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	load(t, c, 4, readmodeltest.Customer(1, "Copy"))
	if err := s.SwitchToCopy(t.Context(), func(context.Context) error { return nil }); err == nil {
		t.Fatal("switched to a copy behind the live read model")
	}
	if got, err := s.Customer(t.Context(), live.ID); err != nil || !readmodeltest.Equal(got, live) {
		t.Fatalf("live customer %+v, %v", got, err)
	}
	applyOne(t, s, readmodeltest.Created(readmodeltest.Customer(2, "After"), 0, 6), query.Applied)
}
