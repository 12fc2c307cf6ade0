package app

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestCatchUpHoldsListsUntilTheCheckpointReachesTheStream: lists are held
// back while the read model's checkpoint is behind the stream's last event
// at start, and for good once it has reached it.
func TestCatchUpHoldsListsUntilTheCheckpointReachesTheStream(t *testing.T) {
	t.Parallel()
	var checkpoint uint64
	var failing error
	c := &catchUp{target: 10, checkpoint: func(context.Context) (uint64, error) { return checkpoint, failing }}
	look := func() error {
		c.mu.Lock()
		c.at = time.Time{} // look again now, not after catchUpCheckEvery
		c.mu.Unlock()
		return c.check(context.Background())
	}
	for _, at := range []uint64{0, 3, 9} {
		checkpoint = at
		if err := look(); err == nil {
			t.Fatalf("checkpoint %d of 10: lists served", at)
		}
	}
	failing = errors.New("read model away")
	checkpoint = 10
	if err := look(); err == nil {
		t.Fatal("a checkpoint that could not be read counted as caught up")
	}
	failing = nil
	if err := look(); err != nil {
		t.Fatalf("checkpoint 10 of 10: %v", err)
	}
	checkpoint, failing = 0, errors.New("read model away")
	if err := look(); err != nil {
		t.Fatalf("caught up once, held back again: %v", err)
	}
	// A replica started on an empty stream has nothing to catch up with.
	empty := &catchUp{checkpoint: func(context.Context) (uint64, error) { return 0, nil }}
	if err := empty.check(context.Background()); err != nil {
		t.Fatalf("an empty stream: %v", err)
	}
}
