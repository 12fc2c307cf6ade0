package rebuild_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/projections/rebuild"
	"github.com/customersvc/customersvc/query/readmodel"
)

func newRebuilder(t *testing.T, store eventstore.Store, cfg rebuild.Config) *rebuild.Rebuilder {
	t.Helper()
	cfg.Logger = quiet
	r, err := rebuild.NewRebuilder(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var quiet = slog.New(slog.DiscardHandler)

// appendUnusual writes CustomerCreated events the command side does not
// write today but a log may hold: schema version 1 (upcast on read), no
// metadata at all, and JSON with white space, escapes and Unicode beyond
// the Basic Multilingual Plane.
func appendUnusual(t *testing.T, store eventstore.Store) int {
	t.Helper()
	created := `"created_at":"2025-03-04T05:06:07.123456789Z"`
	branding := `"branding":{"logo_url":"l","dark_logo_url":"d"},"created_by":{"user_id":"u","organization_id":"reseller-1"}`
	unusual := []struct{ metadata, data string }{
		{`{"schema_version":1,"correlation_id":"r"}`, `{"customer_id":"%s","parent_organization_id":"reseller-1","name":"Version One","description":"v1","custom_data":{ "vat" : "IT00000000999" },"vat":"IT00000000999","vat_normalized":"IT00000000999",` + branding + `,` + created + `}`},
		{``, `{"customer_id":"%s","parent_organization_id":"reseller-2","name":"No Metadata","description":"","custom_data":{},"vat":"DE123456789","vat_normalized":"DE123456789",` + branding + `,` + created + `}`},
		{`{"schema_version":2}`, "{ \"customer_id\" : \"%s\",\n \"parent_organization_id\":\"reseller-3\", \"name\":\"A \\u0026 B \\\"Q\\\" \\ud83d\\ude00 \\u00c4RZTE\", \"description\":\"line\\nbreak\\t\\/\", \"custom_data\": {\"vat\":\"EL123456789\", \"list\": [1, -2.5e3, true, null, {\"x\":\"\\u00e9\"}]}, \"vat\":\"EL123456789\", \"vat_normalized\":\"EL123456789\", \"vat_country\":\"EL\", " + branding + ", " + created + " }"},
	}
	for _, u := range unusual {
		id := uuid.NewString()
		data := []byte(replaceID(u.data, id))
		var meta []byte
		if u.metadata != "" {
			meta = []byte(u.metadata)
		}
		if _, err := domain.DecodeEvent(domain.EventTypeCustomerCreated, schemaVersionIn(u.metadata), data); err != nil {
			t.Fatalf("test event does not decode: %v\n%s", err, data)
		}
		_, err := store.Append(t.Context(), customerstream.Name(id), eventstore.NoStream,
			eventstore.EventData{ID: uuid.Must(uuid.NewV7()), Type: domain.EventTypeCustomerCreated, Data: data, Metadata: meta})
		if err != nil {
			t.Fatal(err)
		}
	}
	return len(unusual)
}

func replaceID(format, id string) string {
	for i := 0; i+1 < len(format); i++ {
		if format[i:i+2] == "%s" {
			return format[:i] + id + format[i+2:]
		}
	}
	return format
}

func schemaVersionIn(metadata string) int {
	if metadata == `{"schema_version":2}` {
		return 2
	}
	return 1
}

// TestRebuildMatchesLiveProjection: a read model rebuilt from the log is
// the one the live projector built from NATS messages, row by row and
// column by column, indexes included.
func TestRebuildMatchesLiveProjection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := openEventStore(t, filepath.Join(dir, "events.db"))
	createCustomers(t, store, 0, 2000)
	unusual := appendUnusual(t, store)
	createCustomers(t, store, 2000, 3000)
	live, rebuilt := filepath.Join(dir, "live.db"), filepath.Join(dir, "rebuilt.db")
	projectLive(t, store, live)

	var last rebuild.Progress
	err := newRebuilder(t, store, rebuild.Config{CommitEvery: 700}).Run(t.Context(), rebuilt, func(p rebuild.Progress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	head, _ := store.Head(t.Context())
	if want := int64(3000 + unusual); !last.CaughtUp || last.Events != want || last.Done != head.Commit || last.Total != head.Commit {
		t.Fatalf("last progress %+v, want caught up at %d with %d events", last, head.Commit, want)
	}
	sameReadModel(t, live, rebuilt, 3000+unusual)
}

// TestRebuildResumes: an interrupted rebuild keeps what it committed, and
// the next run goes on from there to the same result.
func TestRebuildResumes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := openEventStore(t, filepath.Join(dir, "events.db"))
	// More events than the pipeline holds between reading and writing,
	// so that the interruption finds some still unread.
	const creates = 30_000
	fillStore(t, store, creates)
	live, rebuilt := filepath.Join(dir, "live.db"), filepath.Join(dir, "rebuilt.db")
	r := newRebuilder(t, store, rebuild.Config{CommitEvery: 500, ProgressEvery: time.Nanosecond})

	ctx, cancel := context.WithCancel(t.Context())
	var first rebuild.Progress
	err := r.Run(ctx, rebuilt, func(p rebuild.Progress) {
		first = p
		if p.Events >= 1000 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Run: %v, want context.Canceled", err)
	}
	checkpoint := loaderCheckpoint(t, rebuilt)
	head, _ := store.Head(t.Context())
	if checkpoint < first.Done || checkpoint == 0 || checkpoint >= head.Commit || first.CaughtUp {
		t.Fatalf("after the interruption: checkpoint %d, last progress %+v, head %d", checkpoint, first, head.Commit)
	}

	var resumed []rebuild.Progress
	if err := r.Run(t.Context(), rebuilt, func(p rebuild.Progress) { resumed = append(resumed, p) }); err != nil {
		t.Fatal(err)
	}
	second := resumed[len(resumed)-1]
	if second.Events+first.Events != creates || resumed[0].Done < checkpoint || !second.CaughtUp {
		t.Fatalf("resumed from %d: progress %+v ... %+v; want it to go on, not start over", checkpoint, resumed[0], second)
	}
	projectLive(t, store, live)
	sameReadModel(t, live, rebuilt, creates)
}

func loaderCheckpoint(t *testing.T, path string) uint64 {
	t.Helper()
	l, err := readmodel.OpenLoader(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	checkpoint, err := l.Checkpoint(t.Context(), projections.CustomersProjection)
	if err != nil {
		t.Fatal(err)
	}
	return checkpoint
}

// TestRebuildPaced: MaxEventsPerSec holds a rebuild back.
func TestRebuildPaced(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := openEventStore(t, filepath.Join(dir, "events.db"))
	fillStore(t, store, 600)
	start := time.Now()
	err := newRebuilder(t, store, rebuild.Config{MaxEventsPerSec: 3000}).Run(t.Context(), filepath.Join(dir, "rebuilt.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Fatalf("600 events at 3000/s took %s", took)
	}
}

// TestRebuildOfEmptyLog: nothing to do is not an error, and the copy is a
// valid, empty read model.
func TestRebuildOfEmptyLog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := openEventStore(t, filepath.Join(dir, "events.db"))
	path := filepath.Join(dir, "rebuilt.db")
	if err := newRebuilder(t, store, rebuild.Config{}).Run(t.Context(), path, nil); err != nil {
		t.Fatal(err)
	}
	rm, err := readmodel.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	if n, err := rm.Checkpoint(t.Context(), projections.CustomersProjection); err != nil || n != 0 {
		t.Fatalf("checkpoint %d, %v; want 0", n, err)
	}
}

// TestSwitchOver: while the live read model serves and its projector
// writes, a rebuilt copy takes over; it holds everything, a restart opens
// it, and the old file is let go.
func TestSwitchOver(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := openEventStore(t, filepath.Join(dir, "events.db"))
	createCustomers(t, store, 0, 300)
	livePath, err := readmodel.CurrentPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	projectLive(t, store, livePath)
	copyPath, err := readmodel.NextPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := newRebuilder(t, store, rebuild.Config{})
	if err := r.Run(t.Context(), copyPath, nil); err != nil {
		t.Fatal(err)
	}
	// The log and the live read model move on after the copy caught up.
	createCustomers(t, store, 300, 400)
	projectLive(t, store, livePath)

	current, err := readmodel.Open(t.Context(), livePath)
	if err != nil {
		t.Fatal(err)
	}
	live, err := readmodel.NewSwappable(current)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	oldPath, err := r.SwitchOver(t.Context(), live, dir, copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if oldPath != livePath {
		t.Fatalf("old path %s, want %s", oldPath, livePath)
	}
	if p, _ := live.Path(); p != copyPath {
		t.Fatalf("serving %s, want %s", p, copyPath)
	}
	if p, _ := readmodel.CurrentPath(dir); p != copyPath {
		t.Fatalf("a restart would open %s, want %s", p, copyPath)
	}
	if next, _ := readmodel.NextPath(dir); next == copyPath {
		t.Fatalf("the next rebuild would overwrite the live file %s", next)
	}
	if err := readmodel.RemoveFile(oldPath); err != nil {
		t.Fatal(err)
	}
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	// What the live projector built up to the switch is in the copy.
	reference := filepath.Join(dir, "reference.db")
	projectLive(t, store, reference)
	sameReadModel(t, reference, copyPath, 400)
}

// TestSwitchOverWhileProjecting: creates go on and the live projector
// writes all along, before, during and after the switch; in the end the
// copy holds what a projection of the whole log holds.
func TestSwitchOverWhileProjecting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := openEventStore(t, filepath.Join(dir, "events.db"))
	createCustomers(t, store, 0, 500)
	livePath, _ := readmodel.CurrentPath(dir)
	current, err := readmodel.Open(t.Context(), livePath)
	if err != nil {
		t.Fatal(err)
	}
	live, err := readmodel.NewSwappable(current)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	pipeline := startLive(t, store, live)
	defer pipeline.stop()

	// Creates in the background, 10 at a time, from 10,000 on.
	stopCreating, created := make(chan struct{}), make(chan int)
	go func() {
		n := 10_000
		defer func() { created <- n - 10_000 }()
		for {
			select {
			case <-stopCreating:
				return
			default:
			}
			createCustomers(t, store, n, n+10)
			n += 10
		}
	}()
	copyPath, _ := readmodel.NextPath(dir)
	r := newRebuilder(t, store, rebuild.Config{})
	if err := r.Run(t.Context(), copyPath, nil); err != nil {
		t.Fatal(err)
	}
	// The live read model certainly moves past the copy.
	createCustomers(t, store, 500, 600)
	waitLive(t, pipeline, store)
	if _, err := r.SwitchOver(t.Context(), live, dir, copyPath); err != nil {
		t.Fatal(err)
	}
	createCustomers(t, store, 600, 700)
	close(stopCreating)
	background := <-created
	waitLive(t, pipeline, store)
	pipeline.stop()
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	reference := filepath.Join(dir, "reference.db")
	projectLive(t, store, reference)
	sameReadModel(t, reference, copyPath, 700+background)
}

// TestStatus: each projection's checkpoint, the log head, and the lag.
func TestStatus(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := openEventStore(t, filepath.Join(dir, "events.db"))
	createCustomers(t, store, 0, 10)
	path := filepath.Join(dir, "live.db")
	projectLive(t, store, path)
	projected, _ := store.Head(t.Context())
	createCustomers(t, store, 10, 15) // 5 creates: 10 events, none projected

	rm, err := readmodel.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	statuses, err := projections.Status(t.Context(), store, rm)
	if err != nil {
		t.Fatal(err)
	}
	want := projections.ProjectionStatus{Name: projections.CustomersProjection,
		Checkpoint: projected.Commit, Head: projected.Commit + 10, Lag: 10}
	if len(statuses) != 1 || statuses[0] != want {
		t.Fatalf("status %+v, want [%+v]", statuses, want)
	}
}
