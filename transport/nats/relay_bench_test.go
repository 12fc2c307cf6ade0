package nats_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/command/eventstore/sqlite"
	"github.com/customersvc/customersvc/domain"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// BenchmarkRelayPublish: the relay following the SQLite log and publishing
// to an embedded JetStream, from append to broker acknowledgement.
func BenchmarkRelayPublish(b *testing.B) {
	h := startRelay(b, natsx.StreamConfig{}, nil)
	data, _ := json.Marshal(domain.CustomerCreated{Name: "Bench", CustomData: json.RawMessage(`{"vat":"IT12345678901"}`)})
	b.ResetTimer()
	h.publish(b, b.N, func(int) eventstore.EventData {
		return eventstore.EventData{ID: uuid.Must(uuid.NewV7()), Type: domain.EventTypeCustomerCreated, Data: data}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkStreamDisk measures the JetStream files per event, for events as
// the service writes them (a customer with every field, a request's
// metadata), with and without the stream's compression. Run it with a fixed
// count so that many blocks are sealed:
//
//	go test -run '^$' -bench StreamDisk -benchtime 200000x ./transport/nats/
func BenchmarkStreamDisk(b *testing.B) {
	for _, compress := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "s2"}[compress], func(b *testing.B) {
			h := startRelay(b, natsx.StreamConfig{Compress: compress}, nil)
			b.ResetTimer()
			h.publish(b, b.N, realisticEvent)
			b.StopTimer()
			b.ReportMetric(float64(dirSize(b, h.storeDir))/float64(b.N), "disk-B/event")
			// What the stream's MaxBytes counts: the messages uncompressed.
			stream, err := h.js.Stream(b.Context(), "CUSTOMER_EVENTS")
			if err != nil {
				b.Fatal(err)
			}
			info, err := stream.Info(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(info.State.Bytes)/float64(b.N), "stream-B/event")
		})
	}
}

// realisticEvent is a customer creation as a client of the API makes it.
func realisticEvent(i int) eventstore.EventData {
	vat := fmt.Sprintf("IT%011d", i)
	e := domain.CustomerCreated{
		CustomerID:           uuid.Must(uuid.NewV7()).String(),
		ParentOrganizationID: fmt.Sprintf("reseller-%04d", i%500),
		Name:                 fmt.Sprintf("Rossi Impianti %d S.r.l.", i),
		Description:          "Installazione e manutenzione di impianti elettrici",
		CustomData:           json.RawMessage(fmt.Sprintf(`{"vat":%q,"crm_id":"A-%07d"}`, vat, i)),
		VAT:                  vat, NormalizedVAT: vat, VATCountry: "IT",
		Branding:  domain.Branding{LogoURL: "https://cdn.example.com/logos/org-console.png", DarkLogoURL: "https://cdn.example.com/logos/org-console-dark.png"},
		CreatedBy: domain.Actor{UserID: fmt.Sprintf("user-%d", i%2000), OrganizationID: fmt.Sprintf("reseller-%04d", i%500)},
		CreatedAt: time.Now().UTC(),
	}
	events, err := customerstream.Encode([]domain.Event{e}, eventstore.Metadata{
		CorrelationID: uuid.NewString(), UserID: e.CreatedBy.UserID, OrgID: e.CreatedBy.OrganizationID,
		IdempotencyKey: uuid.NewString(), RequestHash: strings.Repeat("ab", 32),
	})
	if err != nil {
		panic(err)
	}
	return events[0]
}

func dirSize(b *testing.B, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		n += fi.Size()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// relayHarness is a SQLite log, an embedded JetStream and the relay
// between them.
type relayHarness struct {
	store    *sqlite.Store
	relay    *natsx.Relay
	js       jetstream.JetStream
	storeDir string
}

// startRelay starts the harness; logger, if not nil, is the relay's.
func startRelay(b testing.TB, stream natsx.StreamConfig, logger *slog.Logger) *relayHarness {
	dir := b.TempDir()
	store, err := sqlite.Open(b.Context(), sqlite.Config{Path: filepath.Join(dir, "events.db")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	h := &relayHarness{store: store, storeDir: filepath.Join(dir, "nats")}
	ns, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: h.storeDir})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, err := natsx.Connector{Embedded: ns}.Connect("bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	pub, err := natsx.NewBatchPublisher(nc, "CUSTOMER_EVENTS")
	if err != nil {
		b.Fatal(err)
	}
	stream.Name, stream.SubjectPrefix, stream.Duplicates = "CUSTOMER_EVENTS", "customers.events", time.Hour
	h.js = pub.JetStream()
	if err := natsx.EnsureStream(b.Context(), h.js, stream); err != nil {
		b.Fatal(err)
	}
	progress, err := natsx.NewProgressFile(dir, 0)
	if err != nil {
		b.Fatal(err)
	}
	h.relay, err = natsx.NewRelay(store, pub, progress, natsx.RelayConfig{SubjectPrefix: "customers.events", Source: "bench", Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	go h.relay.Run(ctx)
	return h
}

// publish appends n events, 500 to a commit, and waits until the relay has
// published them all.
func (h *relayHarness) publish(b testing.TB, n int, event func(i int) eventstore.EventData) {
	ctx := b.Context()
	var head eventstore.WriteResult
	for i := 0; i < n; i += 500 {
		var appends []eventstore.StreamAppend
		for j := 0; j < 500 && i+j < n; j++ {
			appends = append(appends, eventstore.StreamAppend{
				Stream: "customer-" + uuid.Must(uuid.NewV7()).String(), Expected: eventstore.NoStream,
				Events: []eventstore.EventData{event(i + j)},
			})
		}
		results, err := h.store.AppendMulti(ctx, appends...)
		if err != nil {
			b.Fatal(err)
		}
		head = results[len(results)-1]
	}
	if err := h.relay.WaitPublished(ctx, head.Position); err != nil {
		b.Fatal(err)
	}
}
