package readmodeltest

import (
	"fmt"
	"testing"

	"github.com/customersvc/customersvc/query"
)

// BatchSizes are the batch sizes Bench measures: one event to a
// transaction, as under light load, and the projector's batches under
// heavier load.
var BatchSizes = []int{1, 32, 256}

// Bench measures ApplyEvents creating new customers, one op an event, in
// batches of each of BatchSizes; open returns a new, empty store.
//
//	go test -run '^$' -bench ApplyEvents ./query/readmodel/...
func Bench(b *testing.B, open func(b *testing.B) Store) {
	for _, size := range BatchSizes {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s := open(b)
			template := Customer(0, "Bench")
			events := make([]query.CustomerEvent, 0, size)
			outcomes := 0
			b.ResetTimer()
			for i := 0; i < b.N; i += size {
				events = events[:0]
				for j := i; j < min(b.N, i+size); j++ {
					c := template
					c.ID = fmt.Sprintf("bench-%09d", j)
					events = append(events, Created(c, 0, uint64(j+1)))
				}
				got, err := s.ApplyEvents(b.Context(), events, projection)
				if err != nil {
					b.Fatal(err)
				}
				outcomes += len(got)
			}
			if outcomes != b.N {
				b.Fatalf("%d outcomes for %d events", outcomes, b.N)
			}
		})
	}
}
