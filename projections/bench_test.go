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

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/sqlite"
	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

func customer(n int64) query.Customer {
	now := time.Now().UTC()
	return query.Customer{
		ID: uuid.Must(uuid.NewV7()).String(), ParentOrganizationID: fmt.Sprintf("org-%d", n%16),
		Name: fmt.Sprintf("Customer %d", n), Description: "benchmark", CustomData: json.RawMessage(`{"vat":"IT12345678901","region":"Italy"}`),
		VAT: "IT12345678901", NormalizedVAT: "IT12345678901", CreatedAt: now, UpdatedAt: now,
	}
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
			if err := p.Apply(ctx, customer(i), uint64(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRelayPublish: the relay following the SQLite log and publishing
// to an embedded JetStream, from append to broker acknowledgement.
func BenchmarkRelayPublish(b *testing.B) {
	dir := b.TempDir()
	store, err := sqlite.Open(b.Context(), sqlite.Config{Path: filepath.Join(dir, "events.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	ns, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		b.Fatal(err)
	}
	defer ns.Shutdown()
	nc, err := natsx.Connector{Embedded: ns}.Connect("bench")
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	pub, err := natsx.NewBatchPublisher(nc, "CUSTOMER_EVENTS")
	if err != nil {
		b.Fatal(err)
	}
	if err := natsx.EnsureStream(b.Context(), pub.JetStream(), natsx.StreamConfig{Name: "CUSTOMER_EVENTS", SubjectPrefix: "customers.events", Duplicates: time.Hour}); err != nil {
		b.Fatal(err)
	}
	relay, err := projections.NewRelay(store, pub, projections.NewFileCheckpoint(filepath.Join(dir, "relay.checkpoint"), 0),
		projections.RelayConfig{SubjectPrefix: "customers.events", Source: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go relay.Run(ctx)

	data, _ := json.Marshal(domain.CustomerCreated{Name: "Bench", CustomData: json.RawMessage(`{"vat":"IT12345678901"}`)})
	b.ResetTimer()
	var head eventstore.WriteResult
	for i := 0; i < b.N; i += 500 {
		var appends []eventstore.StreamAppend
		for j := 0; j < 500 && i+j < b.N; j++ {
			appends = append(appends, eventstore.StreamAppend{Stream: "customer-" + uuid.Must(uuid.NewV7()).String(), Expected: eventstore.NoStream,
				Events: []eventstore.EventData{{ID: uuid.Must(uuid.NewV7()), Type: domain.EventTypeCustomerCreated, Data: data}}})
		}
		results, err := store.AppendMulti(ctx, appends...)
		if err != nil {
			b.Fatal(err)
		}
		head = results[len(results)-1]
	}
	if err := relay.WaitPublished(ctx, head.Position); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
