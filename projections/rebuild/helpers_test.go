package rebuild_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/customersvc/customersvc/command"
	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/command/eventstore/sqlite"
	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

var testBranding = domain.Branding{LogoURL: "https://cdn.example.com/l.png", DarkLogoURL: "https://cdn.example.com/d.png"}

func openEventStore(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// newCreate is the i-th of a varied set of valid creates: parents, Unicode
// names that lower-case differently, descriptions, custom data.
func newCreate(i int) command.CreateCustomer {
	names := []string{"ACME Distribution SpA %d", "Ärzte & Söhne %d GmbH", "ΑΘΗΝΑ Εμπόριο %d", "  trimmed %d  "}
	vat := fmt.Sprintf("IT%011d", i)
	org := fmt.Sprintf("reseller-%d", i%7)
	cmd := command.CreateCustomer{
		Principal: domain.Principal{UserID: fmt.Sprintf("user-%d", i%3), OrganizationID: org, Role: domain.RoleReseller,
			Permissions: []string{domain.PermissionManageCustomers}},
		Name:        fmt.Sprintf(names[i%len(names)], i),
		Description: fmt.Sprintf("Customer number %d of %s", i, org),
		CustomData:  json.RawMessage(fmt.Sprintf(`{"vat": %q, "email": "c%d@example.com", "region": "Italy", "n": %d}`, vat, i, i)),
		VAT:         vat,
		RequestID:   fmt.Sprintf("req-%d", i),
	}
	if i%5 == 0 {
		cmd.IdempotencyKey = fmt.Sprintf("key-%d", i) // a derived, not time-ordered, ID
	}
	return cmd
}

// createCustomers creates customers from..to-1 through the command handler,
// concurrently, as the HTTP edge would.
func createCustomers(t *testing.T, store eventstore.Store, from, to int) {
	t.Helper()
	h, err := command.NewCreateCustomerHandler(store, testBranding)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range 32 {
		wg.Go(func() {
			for i := range next {
				if _, err := h.Handle(context.Background(), newCreate(i)); err != nil {
					t.Errorf("create %d: %v", i, err)
				}
			}
		})
	}
	for i := from; i < to; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// livePipeline builds a read model the way the running service does: the
// relay follows the log and publishes; each message is turned into a
// Watermill message as the NATS subscriber does and handed, concurrently,
// to the customers projector's handler; the projector batches and saves.
type livePipeline struct {
	handler   cqrs.GroupEventHandler
	marshaler natsx.EventMarshaler
}

func (p livePipeline) PublishBatch(ctx context.Context, msgs []*nats.Msg) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(msgs))
	for _, nm := range msgs {
		wg.Go(func() {
			msg, err := (&wmnats.NATSMarshaler{}).Unmarshal(nm)
			if err == nil {
				event := p.handler.NewEvent()
				if err = p.marshaler.Unmarshal(msg, event); err == nil {
					err = p.handler.Handle(cqrs.CtxWithOriginalMessage(ctx, msg), event)
				}
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

type memProgress struct{ eventstore.Position }

func (m *memProgress) Load() (eventstore.Position, error) { return m.Position, nil }
func (m *memProgress) Save(p eventstore.Position) error   { m.Position = p; return nil }

// projectLive brings the read model at path up to the store's head through
// the live pipeline.
func projectLive(t *testing.T, store eventstore.Store, path string) {
	t.Helper()
	rm, err := readmodel.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	live := startLive(t, store, rm)
	defer live.stop()
	waitLive(t, live, store)
}

// liveRun is the live pipeline running in the background.
type liveRun struct {
	relay *natsx.Relay
	stop  func()
}

// startLive runs the live pipeline into rm until the returned function is
// called.
func startLive(t *testing.T, store eventstore.Store, rm query.ReadModelWriter) *liveRun {
	t.Helper()
	projector, err := projections.NewCustomersProjector(rm, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { projector.Run(ctx) })
	relay, err := natsx.NewRelay(store, livePipeline{handler: natsx.ProjectorHandlers(projector)[0]}, &memProgress{},
		natsx.RelayConfig{SubjectPrefix: "customers.events", Source: "test", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	wg.Go(func() { relay.Run(ctx) })
	return &liveRun{relay: relay, stop: func() { cancel(); wg.Wait() }}
}

// waitLive returns once the pipeline has applied everything up to the
// store's head: the relay publishes a batch only after the projector
// committed it.
func waitLive(t *testing.T, live *liveRun, store eventstore.Store) {
	t.Helper()
	head, err := store.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := live.relay.WaitPublished(ctx, head); err != nil {
		t.Fatalf("relay did not publish up to %s: %v", head, err)
	}
}

// table is every row of a read-model table, every column, in key order.
func table(t *testing.T, path, query string) [][]any {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameReadModel fails unless the two files hold the same schema and the
// same customers, column by column.
func sameReadModel(t *testing.T, want, got string, customers int) {
	t.Helper()
	const schema = `SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name`
	if w, g := table(t, want, schema), table(t, got, schema); !reflect.DeepEqual(w, g) {
		t.Fatalf("schemas differ:\nwant %v\ngot  %v", w, g)
	}
	// Every column but the search handle, which numbers the rows in the
	// order each writer wrote them.
	const rows = `SELECT id, parent_org_id, name, name_key, description, custom_data, vat, vat_normalized,
	logo_url, dark_logo_url, created_at, updated_at, version, search_text FROM customers ORDER BY id`
	w, g := table(t, want, rows), table(t, got, rows)
	if len(w) != customers || len(g) != customers {
		t.Fatalf("%d customers built live, %d rebuilt; want %d", len(w), len(g), customers)
	}
	for i := range w {
		if !reflect.DeepEqual(w[i], g[i]) {
			t.Fatalf("row %d differs:\nlive    %v\nrebuilt %v", i, w[i], g[i])
		}
	}
}

// fillStore appends n creates (a VAT reservation and a CustomerCreated
// each, encoded as the command side encodes them) in large multi-stream
// appends: the fast way to a big log.
func fillStore(tb testing.TB, store *sqlite.Store, n int) {
	tb.Helper()
	const perAppend = 1000
	now := time.Now()
	for i := 0; i < n; i += perAppend {
		var appends []eventstore.StreamAppend
		for j := i; j < min(n, i+perAppend); j++ {
			appends = append(appends, creationAppends(tb, j, now)...)
		}
		if _, err := store.AppendMulti(context.Background(), appends...); err != nil {
			tb.Fatal(err)
		}
	}
}

func creationAppends(tb testing.TB, i int, now time.Time) []eventstore.StreamAppend {
	cmd := newCreate(i)
	c, err := domain.CreateCustomer(domain.NewCustomer{
		ID: uuid.Must(uuid.NewV7()).String(), ParentOrganizationID: cmd.Principal.OrganizationID,
		Name: cmd.Name, Description: cmd.Description, CustomData: cmd.CustomData, VAT: cmd.VAT,
		Branding: testBranding, Actor: domain.Actor{UserID: cmd.Principal.UserID, OrganizationID: cmd.Principal.OrganizationID},
		Now: now.Add(time.Duration(i) * time.Microsecond),
	})
	if err != nil {
		tb.Fatal(err)
	}
	state := c.State()
	meta := eventstore.Metadata{CorrelationID: cmd.RequestID, CausationID: cmd.RequestID, UserID: cmd.Principal.UserID, OrgID: cmd.Principal.OrganizationID}
	reservation, _ := json.Marshal(map[string]any{"customer_id": state.CustomerID, "parent_organization_id": state.ParentOrganizationID,
		"vat_normalized": state.NormalizedVAT, "reserved_at": state.CreatedAt})
	appends := []eventstore.StreamAppend{{
		Stream: "customer_vat-" + state.ParentOrganizationID + "-" + state.NormalizedVAT, Expected: eventstore.NoStream,
		Events: []eventstore.EventData{{ID: uuid.Must(uuid.NewV7()), Type: "VATReserved", Data: reservation, Metadata: customerstream.EncodeMetadata(meta, 1)}},
	}}
	var events []eventstore.EventData
	for _, e := range c.Changes() {
		data, err := json.Marshal(e)
		if err != nil {
			tb.Fatal(err)
		}
		events = append(events, eventstore.EventData{ID: uuid.Must(uuid.NewV7()), Type: e.EventType(), Data: data, Metadata: customerstream.EncodeMetadata(meta, e.SchemaVersion())})
	}
	return append(appends, eventstore.StreamAppend{Stream: customerstream.Name(state.CustomerID), Expected: eventstore.NoStream, Events: events})
}
