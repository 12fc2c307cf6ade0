package projections_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/query/readmodel"
)

func created(n int64) domain.RecordedEvent {
	return domain.RecordedEvent{Event: domain.CustomerCreated{
		CustomerID: uuid.Must(uuid.NewV7()).String(), ParentOrganizationID: fmt.Sprintf("org-%d", n%16),
		Name: fmt.Sprintf("Customer %d", n), Description: "benchmark", CustomData: json.RawMessage(`{"vat":"IT12345678901","region":"Italy"}`),
		VAT: "IT12345678901", NormalizedVAT: "IT12345678901", CreatedAt: time.Now().UTC(),
	}, GlobalPosition: uint64(n)}
}

// BenchmarkProjectorApply: concurrent events into the customers read model,
// batched into transactions as under load.
func BenchmarkProjectorApply(b *testing.B) {
	rm, err := readmodel.Open(b.Context(), filepath.Join(b.TempDir(), "readmodel.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer rm.Close()
	p, err := projections.NewCustomersProjector(rm, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	var n atomic.Int64
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if err := p.Apply(ctx, created(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
