package rebuild_test

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/projections/rebuild"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
	"github.com/customersvc/customersvc/query/readmodel/postgres"
	"github.com/customersvc/customersvc/query/readmodel/postgres/pgtest"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

func openPostgres(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSharedRebuildWhileProjecting: two replicas' projectors write to one
// PostgreSQL read model all along, before, during and after a rebuild and
// its switch-over; in the end the read model holds what a projection of
// the whole log holds, its checkpoint not behind, a row broken before the
// rebuild mended, and its indexes under their migrated names.
func TestSharedRebuildWhileProjecting(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t)
	dir := t.TempDir()
	store := openEventStore(t, filepath.Join(dir, "events.db"))
	createCustomers(t, store, 0, 500)
	replicas := []*postgres.Store{openPostgres(t, db), openPostgres(t, db)}
	var pipelines []*liveRun
	for _, r := range replicas {
		p := startLive(t, store, r)
		defer p.stop()
		pipelines = append(pipelines, p)
	}
	waitAll := func() {
		for _, p := range pipelines {
			waitLive(t, p, store)
		}
	}
	waitAll()
	// A projector bug broke a row: the rebuild is to mend it.
	list, err := replicas[0].Customers(t.Context(), query.ListQuery{Scope: domain.Scope{All: true}, Limit: 1})
	broken := list.Customers
	if err != nil || len(broken) != 1 {
		t.Fatal(broken, err)
	}
	pgtest.Exec(t, db, `UPDATE customers SET name = 'broken' WHERE id = '`+broken[0].ID+`'`)

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
	m, err := rebuild.NewSharedManager(store, replicas[1], rebuild.Config{Logger: quiet, CommitEvery: 300})
	if err != nil {
		t.Fatal(err)
	}
	var last rebuild.Progress
	if err := m.Rebuild(t.Context(), projections.CustomersProjection, nil, func(p rebuild.Progress) { last = p }); err != nil {
		t.Fatal(err)
	}
	if !last.CaughtUp || last.Events < 500 {
		t.Fatalf("last progress %+v", last)
	}
	createCustomers(t, store, 500, 600)
	close(stopCreating)
	background := <-created
	waitAll()

	reference := filepath.Join(dir, "reference.db")
	projectLive(t, store, reference)
	ref, err := readmodel.Open(t.Context(), reference)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	sameCustomers(t, ref, replicas[0], 600+background)
	want, _ := ref.Checkpoint(t.Context(), projections.CustomersProjection)
	for i, r := range replicas {
		if got, err := r.Checkpoint(t.Context(), projections.CustomersProjection); err != nil || got < want {
			t.Fatalf("replica %d: checkpoint %d, %v; behind the log's %d", i, got, err, want)
		}
	}
	mustIndexes(t, db)
	mustCounts(t, db)
}

// sameCustomers fails unless both read models hold the same n customers.
func sameCustomers(t *testing.T, want, got query.ReadModel, n int) {
	t.Helper()
	q := query.ListQuery{Scope: domain.Scope{All: true}, Limit: n + 1}
	wl, err := want.Customers(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	gl, err := got.Customers(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	w, wn, g, gn := wl.Customers, wl.Total, gl.Customers, gl.Total
	if wn != n || gn != n || len(w) != n || len(g) != n {
		t.Fatalf("%d customers built from the log, %d in the read model; want %d", wn, gn, n)
	}
	for i := range w {
		if !readmodeltest.Equal(w[i], g[i]) {
			t.Fatalf("customer %d differs:\nwant %+v\ngot  %+v", i, w[i], g[i])
		}
	}
}

// mustIndexes fails unless the live tables carry the indexes the
// migrations named, and the copy's tables are gone.
func mustIndexes(t *testing.T, db string) {
	t.Helper()
	names := queryStrings(t, db, `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('customers', 'checkpoints', 'customer_counts') ORDER BY 1`)
	want := []string{"checkpoints_pkey", "customer_counts_pkey", "customers_created", "customers_name", "customers_parent_created", "customers_parent_name",
		"customers_parent_updated", "customers_pkey", "customers_search_trgm", "customers_updated"}
	if !slices.Equal(names, want) {
		t.Fatalf("indexes %v, want %v", names, want)
	}
	if tables := queryStrings(t, db, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`); !slices.Equal(tables, []string{"checkpoints", "customer_counts", "customers", "read_model_migrations"}) {
		t.Fatalf("tables %v", tables)
	}
}

// mustCounts fails unless the counters agree with the rows.
func mustCounts(t *testing.T, db string) {
	t.Helper()
	got := queryStrings(t, db, `SELECT scope || '=' || sum(customers) FROM customer_counts GROUP BY scope HAVING sum(customers) <> 0 ORDER BY 1`)
	want := queryStrings(t, db, `SELECT s FROM (SELECT 'parent:' || parent_org_id || '=' || count(*) AS s FROM customers GROUP BY parent_org_id
	UNION ALL SELECT 'all=' || count(*) FROM customers) AS c ORDER BY 1`)
	if !slices.Equal(got, want) {
		t.Fatalf("counters %v, rows %v", got, want)
	}
}

// TestSharedRebuildOneAtATime: a second replica's rebuild is refused
// with ErrRunning while one loads the copy.
func TestSharedRebuildOneAtATime(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t)
	store := openEventStore(t, filepath.Join(t.TempDir(), "events.db"))
	createCustomers(t, store, 0, 10)
	first, second := openPostgres(t, db), openPostgres(t, db)
	c, err := first.OpenCopy(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	m, err := rebuild.NewSharedManager(store, second, rebuild.Config{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Rebuild(t.Context(), projections.CustomersProjection, nil, nil); !errors.Is(err, rebuild.ErrRunning) {
		t.Fatalf("rebuild beside another: %v, want ErrRunning", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Rebuild(t.Context(), projections.CustomersProjection, nil, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := second.Checkpoint(t.Context(), projections.CustomersProjection); err != nil || n == 0 {
		t.Fatalf("checkpoint %d, %v after the rebuild", n, err)
	}
}

func queryStrings(t *testing.T, db, q string) []string {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	rows, err := conn.Query(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}
