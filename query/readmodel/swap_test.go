package readmodel_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

// TestSwappableSwapUnderReads: readers never fail across a swap, each sees
// the old store and then the new one, never back, and the old store is
// closed once they are done with it.
func TestSwappableSwapUnderReads(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	old, next := openStore(t, tempPath(t)), openStore(t, tempPath(t))
	for _, s := range []struct {
		store *readmodel.Store
		name  string
	}{{old, "Old"}, {next, "New"}} {
		save(t, s.store, customers(50, s.name), 1)
	}
	live, err := readmodel.NewSwappable(old)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()

	var swapped atomic.Bool
	var sawNew atomic.Int32 // readers that have read from the new store
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const readers = 8
	for range readers {
		wg.Go(func() { readUntil(t, live, stop, &swapped, &sawNew) })
	}
	time.Sleep(20 * time.Millisecond)
	if err := live.Swap(next); err != nil {
		t.Fatal(err)
	}
	swapped.Store(true)
	// Every reader goes on until it has read from the new store, however
	// slow the machine is; a reader stuck on the old one fails the test.
	deadline := time.Now().Add(30 * time.Second)
	for sawNew.Load() < readers && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if err := old.Ping(ctx); err == nil {
		t.Fatal("the old store still answers after the swap")
	}
}

// readUntil reads until stop and checks what it sees: "Old" until the
// swap, "New" after it returned, and never "Old" after "New".
func readUntil(t *testing.T, live *readmodel.Swappable, stop <-chan struct{}, swapped *atomic.Bool, readersOnNew *atomic.Int32) {
	sawNew := false
	for {
		select {
		case <-stop:
			if !sawNew {
				t.Error("a reader never saw the new store")
			}
			return
		default:
		}
		after := swapped.Load()
		c, err := live.Customer(context.Background(), "c-00007")
		if err != nil {
			t.Errorf("Customer: %v", err)
			return
		}
		list, err := live.Customers(context.Background(), query.ListQuery{Scope: domain.Scope{All: true}, Search: "äöü", Limit: 5})
		page, total := list.Customers, list.Total
		if err != nil || total != 50 || len(page) != 5 {
			t.Errorf("Customers: %d of %d, %v", len(page), total, err)
			return
		}
		isNew := c.Name[:3] == "New"
		if (sawNew || after) && !isNew {
			t.Errorf("read %q after the new store served", c.Name)
			return
		}
		if isNew && !sawNew {
			readersOnNew.Add(1)
		}
		sawNew = sawNew || isNew
	}
}

// TestSwappablePauseWrites: a paused read model holds writers back until
// resumed, and lets readers through.
func TestSwappablePauseWrites(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	live, err := readmodel.NewSwappable(openStore(t, tempPath(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	resume, err := live.PauseWrites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	saved := make(chan error, 1)
	go func() {
		_, err := live.ApplyEvents(context.Background(), readmodeltest.Events(customers(1, "Paused"), 7), "customers")
		saved <- err
	}()
	select {
	case err := <-saved:
		t.Fatalf("ApplyEvents returned while writes were paused: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	if n, err := live.Checkpoint(ctx, "customers"); err != nil || n != 0 {
		t.Fatalf("checkpoint %d, %v while paused; want 0", n, err)
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := live.PauseWrites(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second pause: %v, want to wait for the first", err)
	}
	resume()
	resume() // harmless
	if err := <-saved; err != nil {
		t.Fatal(err)
	}
	if n, err := live.Checkpoint(ctx, "customers"); err != nil || n != 7 {
		t.Fatalf("checkpoint %d, %v after resuming; want 7", n, err)
	}
}

func TestSwappableClosed(t *testing.T) {
	t.Parallel()
	live, err := readmodel.NewSwappable(openStore(t, tempPath(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	if err := live.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := live.Customer(t.Context(), "x"); !errors.Is(err, readmodel.ErrClosed) {
		t.Fatalf("Customer after Close: %v, want ErrClosed", err)
	}
	next := openStore(t, tempPath(t))
	if err := live.Swap(next); !errors.Is(err, readmodel.ErrClosed) {
		t.Fatalf("Swap after Close: %v, want ErrClosed", err)
	}
	if err := next.Ping(t.Context()); err == nil {
		t.Fatal("Swap after Close left the new store open")
	}
}
