package readmodeltest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
)

// readSet is what the read tests list: customers whose names, creation
// and update times sort in different orders, with ties, under three
// parents.
func readSet() []query.Customer {
	names := []string{"delta", "Alpha", "ÄRZTE", "bravo", "Charlie", "alpha", "écho", "Zulu", "İstanbul", "KELVIN"}
	base := time.Date(2025, 6, 7, 8, 9, 10, 123456789, time.UTC)
	out := make([]query.Customer, 30)
	for i := range out {
		c := Customer(i, "x")
		c.ID = fmt.Sprintf("id-%02d", (i*7)%30) // IDs not in creation order
		c.Name = fmt.Sprintf("%s %d", names[i%len(names)], i/len(names))
		c.CreatedAt = base.Add(time.Duration(i%10) * time.Nanosecond) // ties broken by id
		c.UpdatedAt = c.CreatedAt
		out[i] = c
	}
	out[4].Description = "Sells Widgets"
	out[5].VAT, out[5].NormalizedVAT = "de 999 888 777", "DE999888777"
	return out
}

func runRead(t *testing.T, open func(t *testing.T) Store) {
	t.Parallel()
	s := open(t)
	all := readSet()
	apply(t, s, Events(all, 1), repeat(query.Applied, len(all))...)
	t.Run("sortAndPage", func(t *testing.T) { testSortAndPage(t, s, all) })
	t.Run("scope", func(t *testing.T) { testScope(t, s, all) })
	t.Run("search", func(t *testing.T) { testSearch(t, s, all) })
}

// want is what a list must return, computed in Go from the rules: the
// scope and search filter, the sort key then the ID in one direction,
// and the page.
func want(all []query.Customer, q query.ListQuery) ([]string, int) {
	var in []query.Customer
	for _, c := range all {
		if inScope(c, q.Scope) && matches(c, q.Search) {
			in = append(in, c)
		}
	}
	slices.SortFunc(in, func(a, b query.Customer) int {
		n := compareBy(a, b, q.SortBy)
		if n == 0 {
			n = strings.Compare(a.ID, b.ID)
		}
		if q.Desc {
			n = -n
		}
		return n
	})
	ids := []string{}
	for i := q.Offset; i < len(in) && i < q.Offset+q.Limit; i++ {
		ids = append(ids, in[i].ID)
	}
	return ids, len(in)
}

func inScope(c query.Customer, s domain.Scope) bool {
	switch {
	case s.All:
		return true
	case s.ParentOrganizationID != "":
		return c.ParentOrganizationID == s.ParentOrganizationID
	case s.CustomerID != "":
		return c.ID == s.CustomerID
	}
	return false
}

func matches(c query.Customer, search string) bool {
	text := strings.ToLower(c.Name + "\x00" + c.Description + "\x00" + c.VAT + "\x00" + c.NormalizedVAT)
	return strings.Contains(text, strings.ToLower(search))
}

func compareBy(a, b query.Customer, by string) int {
	switch by {
	case query.SortByName:
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	case query.SortByUpdatedAt:
		return a.UpdatedAt.Compare(b.UpdatedAt)
	}
	return a.CreatedAt.Compare(b.CreatedAt)
}

// list runs q and fails unless it returns what want computes, whole
// customers included.
func list(t *testing.T, s Store, all []query.Customer, q query.ListQuery) int {
	t.Helper()
	got, err := s.Customers(t.Context(), q)
	if err != nil {
		t.Fatalf("%+v: %v", q, err)
	}
	page, total := got.Customers, got.Total
	wantIDs, wantTotal := want(all, q)
	if !got.TotalExact {
		t.Fatalf("%+v: total %d not exact", q, total)
	}
	if more := q.Offset+q.Limit < wantTotal; more != (got.Next != nil) {
		t.Fatalf("%+v: next %+v, want one: %t", q, got.Next, more)
	}
	if got.Next != nil && *got.Next != positionOf(page[len(page)-1], q.SortBy) {
		t.Fatalf("%+v: next %+v, not the last customer's position", q, *got.Next)
	}
	ids := make([]string, len(page))
	for i, c := range page {
		ids[i] = c.ID
		if j := slices.IndexFunc(all, func(w query.Customer) bool { return w.ID == c.ID }); j < 0 || !Equal(c, all[j]) {
			t.Fatalf("%+v: customer %+v is not as stored", q, c)
		}
	}
	if page == nil || !slices.Equal(ids, wantIDs) || total != wantTotal {
		t.Fatalf("%+v:\ngot  %v of %d (nil page: %t)\nwant %v of %d", q, ids, total, page == nil, wantIDs, wantTotal)
	}
	return total
}

func testSortAndPage(t *testing.T, s Store, all []query.Customer) {
	for _, by := range []string{query.SortByCreatedAt, query.SortByName, query.SortByUpdatedAt, ""} {
		for _, desc := range []bool{false, true} {
			for _, page := range []struct{ offset, limit int }{{0, 100}, {0, 7}, {7, 7}, {28, 7}, {30, 5}, {99, 5}} {
				q := query.ListQuery{Scope: domain.Scope{All: true}, SortBy: by, Desc: desc, Offset: page.offset, Limit: page.limit}
				if total := list(t, s, all, q); total != len(all) {
					t.Fatalf("%+v: total %d, want %d", q, total, len(all))
				}
			}
		}
	}
}

func testScope(t *testing.T, s Store, all []query.Customer) {
	for _, scope := range []domain.Scope{
		{ParentOrganizationID: "org-1"}, {ParentOrganizationID: "org-none"},
		{CustomerID: "id-07"}, {CustomerID: "id-99"}, {},
	} {
		list(t, s, all, query.ListQuery{Scope: scope, SortBy: query.SortByName, Limit: 100})
	}
	if n := list(t, s, all, query.ListQuery{Limit: 100}); n != 0 {
		t.Fatalf("an empty scope sees %d customers", n)
	}
}

// Indexer is a store whose search index follows its rows in the
// background; WaitIndexed returns once the index holds every row.
type Indexer interface {
	WaitIndexed(ctx context.Context) error
}

func testSearch(t *testing.T, s Store, all []query.Customer) {
	searches := func() {
		for _, search := range []string{
			"alpha", "äRZTE", "ärzte x", "istanbul", "i̇stanbul", "kelvin", "\u212aelvin", "widgets", "de 999",
			"de999888777", "it00000000003", "écho 1", "%", "_", "x\x00", "x\x00ärz", "nothing like it", "pha 0",
		} {
			for _, scope := range []domain.Scope{{All: true}, {ParentOrganizationID: "org-2"}} {
				list(t, s, all, query.ListQuery{Scope: scope, Search: strings.ToLower(search), SortBy: query.SortByName, Limit: 100})
			}
		}
	}
	searches()
	// A store that indexes behind its rows answers the same from its
	// index as from the rows it has not indexed yet.
	if ix, ok := s.(Indexer); ok {
		if err := ix.WaitIndexed(t.Context()); err != nil {
			t.Fatal(err)
		}
		searches()
	}
	if n := list(t, s, all, query.ListQuery{Scope: domain.Scope{All: true}, Search: "widgets", Limit: 10}); n != 1 {
		t.Fatalf("search by description found %d, want 1", n)
	}
}

// positionOf is c's position in the order of sortBy, its name key as the
// rules make it.
func positionOf(c query.Customer, sortBy string) query.Position {
	return query.PositionOf(c, sortBy, strings.ToLower(c.Name))
}
