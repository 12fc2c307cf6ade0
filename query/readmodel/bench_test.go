package readmodel_test

import (
	"testing"

	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

// BenchmarkApplyEvents: the cost of an event in the SQLite read model; its
// twin in query/readmodel/postgres measures PostgreSQL the same way.
func BenchmarkApplyEvents(b *testing.B) {
	readmodeltest.Bench(b, func(b *testing.B) readmodeltest.Store {
		s := openStore(b, tempPath(b))
		b.Cleanup(func() { s.Close() })
		return s
	})
}
