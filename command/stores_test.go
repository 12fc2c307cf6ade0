package command_test

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/esdb"
	"github.com/customersvc/customersvc/command/eventstore/esdb/esdbtest"
)

// realServerEnv names a real EventStoreDB, as in the esdb package's tests.
const realServerEnv = "CUSTOMERS_TEST_EVENTSTORE_URL"

// everyStore is each store the handler runs on: SQLite with its atomic
// multi-stream append, SQLite one stream at a time (the path a store
// without one takes), EventStoreDB's test double and, when
// CUSTOMERS_TEST_EVENTSTORE_URL names one, a real EventStoreDB. Tests run
// on it write under parents of their own (newReseller), as the real server
// is shared by every test and every run.
func everyStore() map[string]func(t *testing.T) eventstore.Store {
	stores := map[string]func(t *testing.T) eventstore.Store{
		"atomic multi-stream append": func(t *testing.T) eventstore.Store { return openStore(t) },
		"one stream at a time":       func(t *testing.T) eventstore.Store { return oneStreamAtATime{openStore(t)} },
		"eventstoredb test double": func(t *testing.T) eventstore.Store {
			srv, err := esdbtest.Start()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			return openESDB(t, srv.URL())
		},
	}
	if url := os.Getenv(realServerEnv); url != "" {
		stores["eventstoredb"] = func(t *testing.T) eventstore.Store { return openESDB(t, url) }
	}
	return stores
}

func openESDB(t *testing.T, url string) *esdb.Store {
	t.Helper()
	s, err := esdb.Open(t.Context(), esdb.Config{URL: url, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
