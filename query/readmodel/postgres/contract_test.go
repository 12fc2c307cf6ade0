package postgres_test

import (
	"testing"

	"github.com/customersvc/customersvc/query/readmodel/postgres"
	"github.com/customersvc/customersvc/query/readmodel/postgres/pgtest"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

func openStore(tb testing.TB, url string) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(tb.Context(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// TestContract runs the read model's contract suite, each test on a
// database of its own.
func TestContract(t *testing.T) {
	t.Parallel()
	pgtest.ServerURL(t)
	readmodeltest.Run(t, func(t *testing.T) readmodeltest.Store {
		return openStore(t, pgtest.Database(t))
	})
}
