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

func TestAwaitCollectsUntilBatchIsFull(t *testing.T) {
	t.Parallel()
	s := delayStore(3, time.Hour)
	go func() {
		s.requests <- request("a", eventstore.Any, event())
		s.requests <- request("b", eventstore.Any, event())
	}()
	batch := s.await([]*appendRequest{request("first", eventstore.Any, event())}, stoppedTimer())
	if len(batch) != 3 {
		t.Fatalf("batch of %d, want the 3 of a full batch", len(batch))
	}
}

func TestAwaitEndsAfterDelay(t *testing.T) {
	t.Parallel()
	s := delayStore(512, time.Millisecond)
	batch := s.await([]*appendRequest{request("first", eventstore.Any, event())}, stoppedTimer())
	if len(batch) != 1 {
		t.Fatalf("batch of %d, want the 1 given", len(batch))
	}
}

func TestAwaitEndsOnClose(t *testing.T) {
	t.Parallel()
	s := delayStore(512, time.Hour)
	close(s.closing)
	batch := s.await([]*appendRequest{request("first", eventstore.Any, event())}, stoppedTimer())
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
