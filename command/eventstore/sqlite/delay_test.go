package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/customersvc/customersvc/command/eventstore"
)

// delayStore is a Store with only what the batching needs.
func delayStore(maxBatch int, delay time.Duration) *Store {
	return &Store{
		cfg:      Config{MaxBatch: maxBatch, CommitDelay: delay},
		requests: make(chan *appendRequest),
		closing:  make(chan struct{}),
	}
}

func stoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}

// send hands the writer appends to the given streams, one at a time, in
// the background.
func send(s *Store, streams ...string) {
	go func() {
		for _, stream := range streams {
			s.requests <- request(stream, eventstore.Any, event())
		}
	}()
}

// within fails t unless f returns within a minute.
func within[T any](t *testing.T, f func() T) T {
	t.Helper()
	got := make(chan T, 1)
	go func() { got <- f() }()
	select {
	case v := <-got:
		return v
	case <-time.After(time.Minute):
		t.Fatal("still waiting after a minute")
		panic("unreachable")
	}
}

// TestFormWaitsForAsManyAsRecentBatches: after a batch of 3, a lone
// append waits (under an hour-long delay) for two more, and commits as
// soon as they are there rather than waiting out the delay.
func TestFormWaitsForAsManyAsRecentBatches(t *testing.T) {
	t.Parallel()
	s := delayStore(512, time.Hour)
	recent := batchSizes{}
	recent.add(3)
	send(s, "a", "b")
	batch := within(t, func() []*appendRequest {
		return s.form([]*appendRequest{request("first", eventstore.Any, event())}, &recent, stoppedTimer())
	})
	if len(batch) != 3 {
		t.Fatalf("batch of %d, want the 3 recent batches held", len(batch))
	}
	for i, stream := range []string{"first", "a", "b"} {
		if got := batch[i].parts[0].Stream; got != stream {
			t.Fatalf("append %d of the batch went to stream %q, want %q", i, got, stream)
		}
	}
	if recent.max() != 3 {
		t.Fatalf("recent max %d, want 3", recent.max())
	}
}

func TestFormDoesNotWaitWithoutCompany(t *testing.T) {
	t.Parallel()
	s := delayStore(512, time.Hour)
	var recent batchSizes
	recent.add(1)
	batch := within(t, func() []*appendRequest {
		return s.form([]*appendRequest{request("first", eventstore.Any, event())}, &recent, stoppedTimer())
	})
	if len(batch) != 1 {
		t.Fatalf("batch of %d", len(batch))
	}
}

// TestFormForgetsABurst: once a wait ends at the delay, the next batch of
// a caller left alone commits at once.
func TestFormForgetsABurst(t *testing.T) {
	t.Parallel()
	const delay = 20 * time.Millisecond
	s := delayStore(512, delay)
	var recent batchSizes
	recent.add(50)
	start := time.Now()
	batch := within(t, func() []*appendRequest {
		return s.form([]*appendRequest{request("first", eventstore.Any, event())}, &recent, stoppedTimer())
	})
	if len(batch) != 1 || time.Since(start) < delay {
		t.Fatalf("batch of %d after %s, want 1 after the %s delay", len(batch), time.Since(start), delay)
	}
	if recent.max() != 1 {
		t.Fatalf("recent max %d after the wait timed out, want 1", recent.max())
	}
	s.cfg.CommitDelay = time.Hour // a second wait would now hang the test
	batch = within(t, func() []*appendRequest {
		return s.form([]*appendRequest{request("second", eventstore.Any, event())}, &recent, stoppedTimer())
	})
	if len(batch) != 1 {
		t.Fatalf("batch of %d", len(batch))
	}
}

func TestAwaitEndsOnClose(t *testing.T) {
	t.Parallel()
	s := delayStore(512, time.Hour)
	close(s.closing)
	batch, timedOut := within2(t, func() ([]*appendRequest, bool) {
		return s.await([]*appendRequest{request("first", eventstore.Any, event())}, 64, stoppedTimer())
	})
	if len(batch) != 1 || timedOut {
		t.Fatalf("batch of %d, timed out %v; want the 1 given, closed", len(batch), timedOut)
	}
}

func within2[A, B any](t *testing.T, f func() (A, B)) (A, B) {
	t.Helper()
	type pair struct {
		a A
		b B
	}
	p := within(t, func() pair { a, b := f(); return pair{a, b} })
	return p.a, p.b
}

func TestBatchSizesRemembersTheLargestRecent(t *testing.T) {
	t.Parallel()
	var b batchSizes
	if b.max() != 0 {
		t.Fatalf("max %d before any batch", b.max())
	}
	b.add(16)
	for range 7 {
		b.add(3)
	}
	if b.max() != 16 {
		t.Fatalf("max %d, want 16 while it is among the last 8", b.max())
	}
	b.add(3)
	if b.max() != 3 {
		t.Fatalf("max %d, want 3 once 16 is 9 batches old", b.max())
	}
}

// TestLoneAppendsDoNotWait appends one at a time under an hour-long
// CommitDelay: each commits at once, since nothing runs beside it.
func TestLoneAppendsDoNotWait(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), Config{Path: filepath.Join(t.TempDir(), "events.db"), CommitDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	done := make(chan error, 1)
	go func() {
		for range 5 {
			if _, err := s.Append(t.Context(), "lone", eventstore.Any, event()); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("sequential appends waited for company that never came")
	}
}
