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

func TestAwaitCollectsUntilGoal(t *testing.T) {
	t.Parallel()
	s := delayStore(512, time.Hour)
	go func() {
		for _, stream := range []string{"a", "b", "c"} {
			s.requests <- request(stream, eventstore.Any, event())
		}
	}()
	batch := s.await([]*appendRequest{request("first", eventstore.Any, event())}, 3, stoppedTimer())
	if len(batch) != 3 {
		t.Fatalf("batch of %d, want the goal of 3", len(batch))
	}
	if req := <-s.requests; req.parts[0].Stream != "c" {
		t.Fatalf("the append after the goal went to stream %q", req.parts[0].Stream)
	}
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

func TestAwaitEndsAfterDelay(t *testing.T) {
	t.Parallel()
	s := delayStore(512, time.Millisecond)
	batch := s.await([]*appendRequest{request("first", eventstore.Any, event())}, 64, stoppedTimer())
	if len(batch) != 1 {
		t.Fatalf("batch of %d, want the 1 given", len(batch))
	}
}

func TestAwaitEndsOnClose(t *testing.T) {
	t.Parallel()
	s := delayStore(512, time.Hour)
	close(s.closing)
	batch := s.await([]*appendRequest{request("first", eventstore.Any, event())}, 64, stoppedTimer())
	if len(batch) != 1 {
		t.Fatalf("batch of %d, want the 1 given", len(batch))
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
