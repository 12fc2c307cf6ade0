package rebuild_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/customersvc/customersvc/command/eventstore/sqlite"
	"github.com/customersvc/customersvc/projections/rebuild"
)

// benchStore returns a store holding n creates, and a directory for the
// copies. CUSTOMERS_BENCH_REBUILD_DIR keeps the store in that directory
// across runs, so that only the first run pays for filling it.
func benchStore(b *testing.B, n int) (*sqlite.Store, string) {
	dir := b.TempDir()
	path := filepath.Join(dir, "events.db")
	if keep := os.Getenv("CUSTOMERS_BENCH_REBUILD_DIR"); keep != "" {
		path = filepath.Join(keep, fmt.Sprintf("events-%d.db", n))
	}
	store := openEventStore(b, path)
	head, err := store.Head(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	switch head.Commit {
	case 0:
		start := time.Now()
		fillStore(b, store, n)
		b.Logf("filled the event store with %d creates (%d events) in %s", n, 2*n, time.Since(start).Round(time.Millisecond))
		// A store at rest: its log checkpointed and on disk, so that the
		// rebuild does not race the kernel writing back the fill.
		if err := store.Close(); err != nil {
			b.Fatal(err)
		}
		syncFile(b, path)
		store = openEventStore(b, path)
	case uint64(2 * n):
	default:
		b.Fatalf("%s holds %d events, want %d", path, head.Commit, 2*n)
	}
	return store, dir
}

func syncFile(b *testing.B, path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRebuild times rebuilding the customers read model from a SQLite
// event store holding N creates as the service writes them: N
// CustomerCreated events in their streams and N VAT reservations in others,
// 2N events in the log. N is 100,000 unless CUSTOMERS_BENCH_REBUILD_EVENTS
// says otherwise. The store is filled once per run, outside the timing;
// each iteration rebuilds into a new file, index builds and syncs
// included. events/s counts the customer events (rows rebuilt),
// log-events/s everything the rebuild read past.
//
//	CUSTOMERS_BENCH_REBUILD_EVENTS=1000000 go test -run '^$' -bench BenchmarkRebuild -benchtime 3x ./projections/
func BenchmarkRebuild(b *testing.B) {
	n := 100_000
	if v := os.Getenv("CUSTOMERS_BENCH_REBUILD_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("CUSTOMERS_BENCH_REBUILD_EVENTS=%q: want a positive number", v)
		}
	}
	store, dir := benchStore(b, n)

	b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
		r, err := rebuild.NewRebuilder(store, rebuild.Config{Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		var events int64
		for i := 0; b.Loop(); i++ {
			path := filepath.Join(dir, fmt.Sprintf("readmodel-%d.db", i))
			err := r.Run(context.Background(), path, func(p rebuild.Progress) { events = p.Events })
			if err != nil {
				b.Fatal(err)
			}
			if events != int64(n) {
				b.Fatalf("rebuilt %d events, want %d", events, n)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(2*n)*float64(b.N)/b.Elapsed().Seconds(), "log-events/s")
	})
}
