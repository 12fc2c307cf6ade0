package readmodel_test

import (
	"database/sql"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

// TestLoaderWritesStoreRows: what a Loader writes, in bulk, and then
// finishes, is what Store.ApplyEvents writes from the same events, batch by
// batch: the same rows, checkpoint and schema.
func TestLoaderWritesStoreRows(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	all := customers(1000, "Load")
	// A newer revision of some customers, and a stale one, later in the log.
	newer := versioned(customers(16, "Renamed"), 1)
	stale := customers(1, "Stale")
	// The same customers twice within one many-row statement, and stale
	// revisions after them.
	twice := append(versioned(customers(16, "Two"), 2), versioned(customers(16, "Three"), 3)...)
	twice = append(twice, versioned(customers(16, "Old"), 1)...)
	var batches []readmodel.Batch
	storePath, loaderPath := tempPath(t), tempPath(t)
	store := openStore(t, storePath)
	position := uint64(1)
	for _, cs := range [][]query.Customer{all[:400], all[400:], newer, stale, twice} {
		outcomes, err := store.ApplyEvents(ctx, readmodeltest.Events(cs, position), "customers")
		if err != nil || slices.Contains(outcomes, query.Gap) {
			t.Fatalf("outcomes %v, %v", outcomes, err)
		}
		position += uint64(len(cs))
		batches = append(batches, readmodel.Batch{Customers: cs, Position: position - 1})
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	l, err := readmodel.OpenLoader(ctx, loaderPath)
	if err != nil {
		t.Fatal(err)
	}
	var commits []uint64
	seq := func(yield func(readmodel.Batch) bool) {
		for _, b := range batches {
			if !yield(b) {
				return
			}
		}
	}
	err = l.Load(ctx, "customers", seq, readmodel.LoadOptions{CommitEvery: 500, Committed: func(p uint64, _ int) { commits = append(commits, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(commits, []uint64{1000, 1065}) {
		t.Fatalf("commits at %v, want [1000 1065]", commits)
	}
	if err := l.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name`,
		// Every column but the search handle, which numbers the rows in the
		// order each writer wrote them.
		`SELECT id, parent_org_id, name, name_key, description, custom_data, vat, vat_normalized,
			logo_url, dark_logo_url, created_at, updated_at, version, search_text FROM customers ORDER BY id`,
		`SELECT count(handle) = count(*) AND count(DISTINCT handle) = count(*) FROM customers`,
		`SELECT * FROM checkpoints ORDER BY projection`,
		`PRAGMA journal_mode`,
	} {
		if want, got := rows(t, storePath, q), rows(t, loaderPath, q); !reflect.DeepEqual(want, got) {
			t.Fatalf("%s:\nstore  %v\nloader %v", q, want, got)
		}
	}
	reopened := openStore(t, loaderPath)
	defer reopened.Close()
	c, err := reopened.Customer(ctx, "c-00003")
	if err != nil || c.Name != "Three 3 ÄÖÜ İ K" || c.Version != 3 {
		t.Fatalf("customer %+v, %v", c, err)
	}
	if list, err := reopened.Customers(ctx, query.ListQuery{Scope: domain.Scope{All: true}, Search: strings.ToLower(c.Name), Limit: 1}); err != nil || list.Total != 1 {
		t.Fatalf("search: %d, %v", list.Total, err)
	}
}

func rows(t *testing.T, path, q string) [][]any {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	var out [][]any
	for r.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
	return out
}

func versioned(cs []query.Customer, version int64) []query.Customer {
	for i := range cs {
		cs[i].Version = version
	}
	return cs
}
