package nats_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/sqlite"
	"github.com/customersvc/customersvc/domain"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

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
	progress, err := natsx.NewProgressFile(dir, 0)
	if err != nil {
		b.Fatal(err)
	}
	relay, err := natsx.NewRelay(store, pub, progress, natsx.RelayConfig{SubjectPrefix: "customers.events", Source: "bench"})
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
