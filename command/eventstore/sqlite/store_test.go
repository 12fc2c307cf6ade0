package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/eventstoretest"
	"github.com/customersvc/customersvc/command/eventstore/sqlite"
)

// openStore opens a store on a new file in tb's temp dir, closed at cleanup.
func openStore(tb testing.TB) *sqlite.Store {
	tb.Helper()
	return openAt(tb, filepath.Join(tb.TempDir(), "events.db"))
}

func openAt(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), sqlite.Config{Path: path})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	t.Parallel()
	eventstoretest.Run(t, func(t *testing.T) eventstore.Store { return openStore(t) })
}

// TestContractShared runs the suite against one store for all tests, as it
// would run against a long-lived server.
func TestContractShared(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	eventstoretest.Run(t, func(*testing.T) eventstore.Store { return s })
}

func BenchmarkAppend(b *testing.B) {
	eventstoretest.Bench(b, func(b *testing.B) eventstore.Store { return openStore(b) })
}
