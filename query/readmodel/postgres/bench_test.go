package postgres_test

import (
	"testing"

	"github.com/customersvc/customersvc/query/readmodel/postgres/pgtest"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

// BenchmarkApplyEvents: the cost of an event in the PostgreSQL read model,
// measured as query/readmodel's benchmark measures SQLite.
func BenchmarkApplyEvents(b *testing.B) {
	pgtest.ServerURL(b)
	readmodeltest.Bench(b, func(b *testing.B) readmodeltest.Store {
		return openStore(b, pgtest.Database(b))
	})
}
