package esdb_test

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/esdb"
	"github.com/customersvc/customersvc/command/eventstore/esdb/esdbtest"
	"github.com/customersvc/customersvc/command/eventstore/eventstoretest"
)

// realServerEnv names a real EventStoreDB for the contract suite.
const realServerEnv = "CUSTOMERS_TEST_EVENTSTORE_URL"

// startServer starts a test double, stopped at cleanup.
func startServer(tb testing.TB) *esdbtest.Server {
	tb.Helper()
	srv, err := esdbtest.Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Close)
	return srv
}

// openStore opens a store on url, closed at cleanup (before a server
// started earlier in the same test stops).
func openStore(tb testing.TB, url string) *esdb.Store {
	tb.Helper()
	return openWith(tb, esdb.Config{URL: url})
}

func openWith(tb testing.TB, cfg esdb.Config) *esdb.Store {
	tb.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(tb)
	}
	s, err := esdb.Open(tb.Context(), cfg)
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

// testLogger shows the store's warnings with the test's output when run
// with -v, and drops them otherwise.
func testLogger(tb testing.TB) *slog.Logger {
	var w io.Writer = io.Discard
	if testing.Verbose() {
		w = tb.Output()
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func TestContract(t *testing.T) {
	t.Parallel()
	eventstoretest.Run(t, func(t *testing.T) eventstore.Store { return openStore(t, startServer(t).URL()) })
}

// TestContractShared runs the suite against one server and one store for
// all tests, as it would run against a long-lived server.
func TestContractShared(t *testing.T) {
	t.Parallel()
	s := openStore(t, startServer(t).URL())
	eventstoretest.Run(t, func(*testing.T) eventstore.Store { return s })
}

// TestContractRealServer runs the suite against the EventStoreDB that
// CUSTOMERS_TEST_EVENTSTORE_URL names. The suite writes under random stream
// names, so the server may hold other data.
func TestContractRealServer(t *testing.T) {
	t.Parallel()
	url := os.Getenv(realServerEnv)
	if url == "" {
		t.Skip(realServerEnv + " is not set; set it to a connection string such as " +
			"esdb://localhost:2113?tls=false to run the contract suite against a real EventStoreDB")
	}
	s := openStore(t, url)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("%s names a server that does not answer: %v", realServerEnv, err)
	}
	eventstoretest.Run(t, func(*testing.T) eventstore.Store { return s })
}

func BenchmarkAppend(b *testing.B) {
	eventstoretest.Bench(b, func(b *testing.B) eventstore.Store { return openStore(b, startServer(b).URL()) })
}

// TestNoMultiStreamAppend: the v4 client cannot append to several streams
// at once, so the store must not claim it can.
func TestNoMultiStreamAppend(t *testing.T) {
	t.Parallel()
	var s eventstore.Store = openStore(t, "esdb://localhost:2113?tls=false")
	if _, ok := s.(eventstore.MultiStreamAppender); ok {
		t.Fatal("the store implements eventstore.MultiStreamAppender")
	}
}
