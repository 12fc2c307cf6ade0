package eventstoretest

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
)

// Bench runs the append benchmarks with 1 and 64 concurrent writers, each on
// a store from newStore.
func Bench(b *testing.B, newStore func(b *testing.B) eventstore.Store) {
	for _, writers := range []int{1, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			BenchAppend(b, newStore(b), writers)
		})
	}
}

// BenchAppend measures appends the way the service makes them: each one
// creates a new stream (NoStream) with one ~500-byte JSON event under a
// UUIDv7. writers appends run at once; over one, a store that batches
// commits should gain. It reports events/s.
func BenchAppend(b *testing.B, s eventstore.Store, writers int) {
	prefix := newPrefix()
	data := benchPayload()
	meta, err := json.Marshal(eventstore.Metadata{SchemaVersion: 1, CorrelationID: uuid.NewString(), UserID: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	appendOne := func() error {
		id := uuid.Must(uuid.NewV7())
		_, err := s.Append(b.Context(), prefix+id.String(), eventstore.NoStream,
			eventstore.EventData{ID: id, Type: "CustomerCreated", Data: data, Metadata: meta})
		return err
	}

	b.ResetTimer()
	if writers <= 1 {
		for range b.N {
			if err := appendOne(); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		// RunParallel starts parallelism × GOMAXPROCS goroutines.
		procs := runtime.GOMAXPROCS(0)
		b.SetParallelism((writers + procs - 1) / procs)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := appendOne(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// benchPayload is a customer-created event of about 500 bytes of JSON.
func benchPayload() []byte {
	data, err := json.Marshal(map[string]any{
		"customer_id": uuid.NewString(),
		"name":        "Ada Lovelace Analytical Engines Ltd",
		"vat":         "GB123456789",
		"email":       "billing@analytical-engines.example",
		"address": map[string]string{
			"street": "12 St James's Square", "city": "London", "postcode": "SW1Y 4JH", "country": "GB",
		},
		"notes": strings.Repeat("x", 228),
	})
	if err != nil {
		panic(err) // a fixed map always marshals
	}
	return data
}
