package readmodel_test

import (
	"database/sql"
	"testing"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
)

// TestCountsOfAnOlderFile: a file written before there were counters has
// them counted from its rows when it is opened, once.
func TestCountsOfAnOlderFile(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	s := openStore(t, path)
	save(t, s, customers(7, "Old"), 1) // parents org-0, org-1, org-2 in turn
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TABLE customer_counts`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s = openStore(t, path)
	defer s.Close()
	mustTotal(t, s, domain.Scope{All: true}, 7)
	mustTotal(t, s, domain.Scope{ParentOrganizationID: "org-0"}, 3)
	mustTotal(t, s, domain.Scope{ParentOrganizationID: "org-2"}, 2)
	save(t, s, customers(8, "Old")[7:], 10)
	mustTotal(t, s, domain.Scope{All: true}, 8)
	mustTotal(t, s, domain.Scope{ParentOrganizationID: "org-1"}, 3)
}

// TestCountsAfterALoad: a Loader's file counts its customers once
// finished, also when loaded into again after.
func TestCountsAfterALoad(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	cs := customers(10, "Loaded")
	for i, part := range [][]query.Customer{cs[:6], cs[6:]} {
		l, err := readmodel.OpenLoader(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		batches := func(yield func(readmodel.Batch) bool) {
			yield(readmodel.Batch{Customers: part, Position: uint64(i + 1)})
		}
		if err := l.Load(t.Context(), "customers", batches, readmodel.LoadOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := l.Finish(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s := openStore(t, path)
	defer s.Close()
	mustTotal(t, s, domain.Scope{All: true}, 10)
	mustTotal(t, s, domain.Scope{ParentOrganizationID: "org-0"}, 4)
	mustTotal(t, s, domain.Scope{ParentOrganizationID: "org-1"}, 3)
}

func mustTotal(t *testing.T, s query.ReadModel, scope domain.Scope, want int) {
	t.Helper()
	got, err := s.Customers(t.Context(), query.ListQuery{Scope: scope, Limit: 1})
	if err != nil || got.Total != want || !got.TotalExact {
		t.Fatalf("scope %+v: total %d (exact %t), %v; want %d", scope, got.Total, got.TotalExact, err, want)
	}
}
