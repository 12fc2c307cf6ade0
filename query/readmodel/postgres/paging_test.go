package postgres_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
	"github.com/customersvc/customersvc/query/readmodel/postgres"
	"github.com/customersvc/customersvc/query/readmodel/postgres/pgtest"
)

// tiedCustomers are manyCustomers(n) whose update times repeat (50 of
// them) and whose names repeat in pairs of cases, so that the sorts
// order many customers by id.
func tiedCustomers(n int) []query.Customer {
	cs := manyCustomers(n)
	base := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	for i := range cs {
		cs[i].UpdatedAt = base.Add(time.Duration(i%50) * time.Second)
		if i%2 == 1 {
			cs[i].Name = strings.ToUpper(cs[i-1].Name)
		}
	}
	return cs
}

// expected are the customers of cs that q's scope and search take, in
// q's order, as Go sorts them: the sort key (the name's by bytes), then
// the id.
func expected(cs []query.Customer, q query.ListQuery) []query.Customer {
	type keyed struct {
		c    query.Customer
		name string
		at   int64
	}
	var out []keyed
	for _, c := range cs {
		switch {
		case q.Scope.All:
		case q.Scope.CustomerID != "" && c.ID == q.Scope.CustomerID:
		case q.Scope.ParentOrganizationID != "" && c.ParentOrganizationID == q.Scope.ParentOrganizationID:
		default:
			continue
		}
		name, text := readmodel.SearchKeys(c)
		if !strings.Contains(text, strings.ToLower(q.Search)) {
			continue
		}
		at := c.CreatedAt.UnixNano()
		if q.SortBy == query.SortByUpdatedAt {
			at = c.UpdatedAt.UnixNano()
		}
		out = append(out, keyed{c, name, at})
	}
	slices.SortFunc(out, func(a, b keyed) int {
		c := cmp.Compare(a.at, b.at)
		if q.SortBy == query.SortByName {
			c = strings.Compare(a.name, b.name)
		}
		if c == 0 {
			c = strings.Compare(a.c.ID, b.c.ID)
		}
		if q.Desc {
			return -c
		}
		return c
	})
	ids := make([]query.Customer, len(out))
	for i, k := range out {
		ids[i] = k.c
	}
	return ids
}

func ids(cs []query.Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

var sorts = []string{query.SortByName, query.SortByCreatedAt, query.SortByUpdatedAt}

// TestSearchCandidates: a search that matches few customers is read from
// the trigram index's candidates, its total exact, its pages in the sort
// order, by cursor and by number, the customers whose text holds it
// (strings.Contains), in every scope and order; one that matches many
// walks the sort order, with the same results.
func TestSearchCandidates(t *testing.T) {
	t.Parallel()
	s := openStore(t, pgtest.Database(t))
	const n = 30_000
	cs := tiedCustomers(n)
	rebuild(t, s, cs)
	for _, tc := range []struct {
		search     string
		candidates bool
	}{
		{word(123), true},                    // one customer's name
		{fmt.Sprintf("%011d", 29_955), true}, // one VAT
		{"019955", false},                    // 6 digits of a VAT: none here
		{"29955", true},                      // 5 digits: one customer's number and VAT
		{"vandelay bakery 1", true},          // a few hundred
		{"acme", true},                       // a twelfth: 2,500
		{"customer since 2001", true},        // a twenty-fifth
		{"customer since", false},            // all (a parent's 10,000 may go either way)
		{"ab", false},                        // no trigram
	} {
		for _, scope := range []domain.Scope{{All: true}, {ParentOrganizationID: "org-1"}} {
			before := s.CandidateReads()
			for _, sortBy := range sorts {
				for _, desc := range []bool{false, true} {
					q := query.ListQuery{Scope: scope, Search: tc.search, SortBy: sortBy, Desc: desc, Limit: 7}
					name := fmt.Sprintf("%q in %+v by %s desc %t", tc.search, scope, sortBy, desc)
					checkPages(t, s, cs, q, name)
				}
			}
			reads := s.CandidateReads() - before
			if tc.search == "019955" || tc.search == "customer since" && !scope.All {
				continue // either way
			}
			if got := reads > 0; got != tc.candidates {
				t.Errorf("%q in %+v: %d reads of the candidates, want them %t", tc.search, scope, reads, tc.candidates)
			}
		}
	}
}

// checkPages compares q's pages with Go's: the first three by cursor,
// then a middle and the last by number, with their totals.
func checkPages(t *testing.T, s *postgres.Store, cs []query.Customer, q query.ListQuery, name string) {
	t.Helper()
	want := expected(cs, q)
	exact := len(want) <= query.ExactCountLimit
	check := func(at int, got query.CustomerList, how string) {
		t.Helper()
		end := min(len(want), at+q.Limit)
		w := ids(want[min(at, len(want)):end])
		if g := ids(got.Customers); !slices.Equal(g, w) {
			t.Fatalf("%s, %s at %d: %v, want %v", name, how, at, g, w)
		}
		if got.TotalExact != exact || exact && got.Total != len(want) {
			t.Fatalf("%s, %s: total %d exact %t, want %d", name, how, got.Total, got.TotalExact, len(want))
		}
		if (got.Next != nil) != (end < len(want)) {
			t.Fatalf("%s, %s at %d: next %v with %d to come", name, how, at, got.Next, len(want)-end)
		}
	}
	page := q
	for at := 0; at < 3*q.Limit; at += q.Limit {
		got, err := s.Customers(t.Context(), page)
		if err != nil {
			t.Fatal(err)
		}
		check(at, got, "by cursor")
		if got.Next == nil {
			break
		}
		page.After = got.Next
	}
	for _, at := range []int{len(want) / 2, (len(want) - 1) / q.Limit * q.Limit, len(want) + 3} {
		page := q
		page.Offset = at
		got, err := s.Customers(t.Context(), page)
		if err != nil {
			t.Fatal(err)
		}
		check(at, got, "by number")
	}
}

// TestPageByNumber: a page by number, without a search, is what OFFSET
// gives, the first, middle and last pages, near either end, in every
// sort, direction and scope; it starts after the row before it, found on
// the sort's index, not past an OFFSET of rows.
func TestPageByNumber(t *testing.T) {
	t.Parallel()
	s := openStore(t, pgtest.Database(t))
	const n = 3_000
	cs := tiedCustomers(n)
	rebuild(t, s, cs)
	for _, scope := range []domain.Scope{{All: true}, {ParentOrganizationID: "org-2"}, {CustomerID: cs[7].ID}} {
		for _, sortBy := range sorts {
			for _, desc := range []bool{false, true} {
				q := query.ListQuery{Scope: scope, SortBy: sortBy, Desc: desc, Limit: 20}
				want := expected(cs, q)
				for _, at := range []int{0, 1, 19, 20, 40, len(want)/2 - 1, len(want) / 2, len(want)/2 + 20, len(want) - 21, len(want) - 20, len(want) - 1, len(want), len(want) + 20} {
					if at < 0 {
						continue
					}
					page := q
					page.Offset = at
					before := s.RowBeforeReads()
					got, err := s.Customers(t.Context(), page)
					if err != nil {
						t.Fatal(err)
					}
					end := min(len(want), at+q.Limit)
					w := ids(want[min(at, len(want)):end])
					name := fmt.Sprintf("%+v by %s desc %t offset %d", scope, sortBy, desc, at)
					if g := ids(got.Customers); !slices.Equal(g, w) || got.Total != len(want) || !got.TotalExact {
						t.Fatalf("%s: %v of %d, want %v of %d", name, g, got.Total, w, len(want))
					}
					if (got.Next != nil) != (end < len(want)) {
						t.Fatalf("%s: next %v with %d to come", name, got.Next, len(want)-end)
					}
					if got.Next != nil && *got.Next != query.PositionOf(got.Customers[len(got.Customers)-1], sortBy, nameKey(got.Customers[len(got.Customers)-1])) {
						t.Fatalf("%s: next %+v", name, *got.Next)
					}
					if used := s.RowBeforeReads() > before; used != (at > 0 && at < len(want)) {
						t.Errorf("%s: started after the row before it: %t", name, used)
					}
				}
			}
		}
	}
}

func nameKey(c query.Customer) string {
	name, _ := readmodel.SearchKeys(c)
	return name
}
