package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/sqlite"
	"github.com/customersvc/customersvc/internal/sqlitewal"
)

// TestWALStaysBoundedUnderReaders appends without pause while a follower
// tails the log and readers read streams, so that some read transaction is
// always open: the write-ahead log must stay within its limit plus about a
// commit, and be truncated once the appends stop.
func TestWALStaysBoundedUnderReaders(t *testing.T) {
	t.Parallel()
	const limit = 256 << 10
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := sqlite.Open(t.Context(), sqlite.Config{Path: path, WALLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	ctx, cancel := context.WithCancel(t.Context())
	var readers sync.WaitGroup
	var reads [2]int
	var followed int
	readers.Go(func() {
		err := s.Follow(ctx, eventstore.Position{}, eventstore.Filter{}, func(_ context.Context, b eventstore.Batch) error {
			followed += len(b.Events)
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Error(err)
		}
	})
	for r := range reads {
		readers.Go(func() {
			for ctx.Err() == nil {
				if _, err := s.ReadStream(ctx, fmt.Sprintf("customer-%d", reads[r]%50), 0, 100); err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) && ctx.Err() == nil {
					t.Error(err)
					return
				}
				reads[r]++
			}
		})
	}

	const appends = 3000
	data := []byte(`{"name":"` + strings.Repeat("x", 400) + `"}`)
	var largest int64
	var appending sync.WaitGroup
	for w := range 8 { // concurrent callers, so that commits hold batches
		appending.Go(func() {
			for i := w; i < appends; i += 8 {
				ev := newEvent()
				ev.Data = data
				if _, err := s.Append(ctx, fmt.Sprintf("customer-%d", i), eventstore.Any, ev); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { appending.Wait(); close(done) }()
	for sampling := true; sampling; {
		select {
		case <-done:
			sampling = false
		case <-time.After(time.Millisecond):
		}
		size, err := sqlitewal.Size(path)
		if err != nil {
			t.Fatal(err)
		}
		largest = max(largest, size)
	}
	cancel()
	readers.Wait()
	if t.Failed() {
		return
	}
	if followed == 0 || reads[0] == 0 || reads[1] == 0 {
		t.Fatalf("followed %d events, reads %v: the test did not test readers", followed, reads)
	}
	if largest > 2*limit {
		t.Fatalf("the write-ahead log reached %d bytes, limit %d", largest, limit)
	}
	t.Logf("largest write-ahead log %d bytes over %d appends, limit %d; reads %v, followed %d", largest, appends, limit, reads, followed)

	deadline := time.Now().Add(time.Minute)
	for {
		size, err := sqlitewal.Size(path)
		if err != nil {
			t.Fatal(err)
		}
		if size == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the write-ahead log still holds %d bytes a minute after the last append", size)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
