package postgres_test

import (
	"testing"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel/postgres/pgtest"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

// TestCountsMigration: the migration that brings the counters counts the
// rows a database held before it.
func TestCountsMigration(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t)
	s := openStore(t, db)
	if _, err := s.ApplyEvents(t.Context(), readmodeltest.Events(readmodeltest.Customers(7, "Old"), 1), "customers"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// As the database was at version 1, before the counters.
	pgtest.Exec(t, db, `DROP TABLE customer_counts`, `UPDATE read_model_migrations SET version = 1`)

	s = openStore(t, db)
	for scope, want := range map[domain.Scope]int{
		{All: true}: 7, {ParentOrganizationID: "org-0"}: 3, {ParentOrganizationID: "org-2"}: 2, {CustomerID: "c-00003"}: 1,
	} {
		got, err := s.Customers(t.Context(), query.ListQuery{Scope: scope, Limit: 1})
		if err != nil || got.Total != want || !got.TotalExact {
			t.Fatalf("scope %+v: total %d (exact %t), %v; want %d", scope, got.Total, got.TotalExact, err, want)
		}
	}
}
