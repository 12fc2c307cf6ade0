package readmodeltest

import (
	"testing"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
)

func runCounts(t *testing.T, open func(t *testing.T) Store) {
	t.Run("countsFollowInserts", func(t *testing.T) { t.Parallel(); testCounts(t, open(t)) })
	t.Run("estimateBeyondExactLimit", func(t *testing.T) { t.Parallel(); testEstimate(t, open(t)) })
}

// mustTotals fails unless the list without search of each scope counts
// want[scope] customers, exactly.
func mustTotals(t *testing.T, s Store, want map[domain.Scope]int) {
	t.Helper()
	for scope, n := range want {
		got, err := s.Customers(t.Context(), query.ListQuery{Scope: scope, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got.Total != n || !got.TotalExact {
			t.Fatalf("scope %+v: total %d (exact %t), want %d", scope, got.Total, got.TotalExact, n)
		}
	}
}

// testCounts: the counters move by the rows inserted only: not by a
// redelivery, a refused event, nor a later revision of a customer.
func testCounts(t *testing.T, s Store) {
	all, org0, org1 := domain.Scope{All: true}, domain.Scope{ParentOrganizationID: "org-0"}, domain.Scope{ParentOrganizationID: "org-1"}
	none, one := domain.Scope{ParentOrganizationID: "org-none"}, domain.Scope{CustomerID: "c-00004"}
	mustTotals(t, s, map[domain.Scope]int{all: 0, org0: 0, one: 0, {}: 0})
	cs := Customers(9, "Count") // parents org-0, org-1, org-2 in turn
	apply(t, s, Events(cs[:5], 1), repeat(query.Applied, 5)...)
	mustTotals(t, s, map[domain.Scope]int{all: 5, org0: 2, org1: 2, none: 0, one: 1, {CustomerID: "c-00005"}: 0, {}: 0})

	// Redelivered, within a batch that inserts one more.
	apply(t, s, Events(cs[:6], 1), append(repeat(query.Skipped, 5), query.Applied)...)
	mustTotals(t, s, map[domain.Scope]int{all: 6, org0: 2, org1: 2, {ParentOrganizationID: "org-2"}: 2})

	// A later revision changes the row, not the counts.
	renamed := cs[0]
	renamed.Name, renamed.Version = "Renamed", 1
	apply(t, s, []query.CustomerEvent{Created(renamed, 1, 10)}, query.Applied)
	mustTotals(t, s, map[domain.Scope]int{all: 6, org0: 2})

	// A refused event inserts nothing; its predecessor then counts once.
	late := cs[6]
	late.Version = 1
	apply(t, s, []query.CustomerEvent{Created(late, 1, 12)}, query.Gap)
	mustTotals(t, s, map[domain.Scope]int{all: 6, org0: 2})
	apply(t, s, []query.CustomerEvent{Created(cs[6], 0, 11), Created(late, 1, 12), Created(cs[6], 0, 11)},
		query.Applied, query.Applied, query.Skipped)
	mustTotals(t, s, map[domain.Scope]int{all: 7, org0: 3, org1: 2, one: 1})
}

// testEstimate: a search counts exactly up to query.ExactCountLimit
// matches, and says when its total is an estimate beyond.
func testEstimate(t *testing.T, s Store) {
	n := query.ExactCountLimit + 1
	cs := Customers(n, "Many")
	cs[n-1].Name, cs[n-1].Description = "Other", "Ärzte"
	// One batch: the cheapest way to many rows.
	apply(t, s, Events(cs, 1), repeat(query.Applied, n)...)
	all := domain.Scope{All: true}
	mustTotals(t, s, map[domain.Scope]int{all: n})

	exact, err := s.Customers(t.Context(), query.ListQuery{Scope: all, Search: "many", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if exact.Total != query.ExactCountLimit || !exact.TotalExact || len(exact.Customers) != 3 || exact.Next == nil {
		t.Fatalf("%d matches: total %d, exact %t, %d customers, next %v", query.ExactCountLimit, exact.Total, exact.TotalExact, len(exact.Customers), exact.Next)
	}
	over, err := s.Customers(t.Context(), query.ListQuery{Scope: all, Search: "ärzte", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Every customer matches: the estimate is between the limit and the scope.
	if over.TotalExact || over.Total <= query.ExactCountLimit || over.Total > n || len(over.Customers) != 3 {
		t.Fatalf("%d matches: total %d, exact %t, %d customers", n, over.Total, over.TotalExact, len(over.Customers))
	}
}
