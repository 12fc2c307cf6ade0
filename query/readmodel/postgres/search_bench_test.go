package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
	"github.com/customersvc/customersvc/query/readmodel/postgres"
	"github.com/customersvc/customersvc/query/readmodel/postgres/pgtest"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

var (
	companies = []string{"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Wonka", "Tyrell", "Cyberdyne", "Soylent"}
	kinds     = []string{"Holding", "GmbH", "Ltd", "Services", "Logistics", "Bakery", "Consulting"}
)

// manyCustomers are n customers named by a few common words, their number
// and a word of their own, word(i); each one's VAT holds
// fmt.Sprintf("%011d", i), which no other customer's text does.
func manyCustomers(n int) []query.Customer {
	out := make([]query.Customer, n)
	for i := range out {
		c := readmodeltest.Customer(i, "")
		c.Name = fmt.Sprintf("%s %s %d %s", companies[i%len(companies)], kinds[i/len(companies)%len(kinds)], i, word(i))
		c.Description = fmt.Sprintf("Customer since %d: %s", 2000+i%25, kinds[i%len(kinds)])
		out[i] = c
	}
	return out
}

// word is a name of five letters, of its own for each i below 26⁵.
func word(i int) string {
	const letters, words = 26, 26 * 26 * 26 * 26 * 26
	n := (i*7919 + 12345) % words // 7919 is prime to 26: one word each
	b := make([]byte, 5)
	for j := range b {
		b[j] = byte('a' + n%letters)
		n /= letters
	}
	return string(b)
}

// rebuild loads customers into the copy, in batches, and switches to it,
// as `projections rebuild` does.
func rebuild(tb testing.TB, s *postgres.Store, customers []query.Customer) {
	tb.Helper()
	ctx := tb.Context()
	c, err := s.OpenCopy(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	batches := func(yield func(readmodel.Batch) bool) {
		for i := 0; i < len(customers); i += 1000 {
			j := min(i+1000, len(customers))
			if !yield(readmodel.Batch{Customers: customers[i:j], Position: uint64(j)}) {
				return
			}
		}
	}
	if err := c.Load(ctx, "customers", batches, readmodel.LoadOptions{}); err != nil {
		tb.Fatal(err)
	}
	if err := c.Finish(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := s.SwitchToCopy(ctx, func(context.Context) error { return nil }); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkSearch: Customers with a search, and pages by number, at
// 20,000 and 200,000 customers, which a rebuild loads first. A search of
// one customer's name, of a VAT number or six of its digits, or of a
// twelfth of the customers reads the trigram index's candidates (at most
// query.ExactCountLimit), the same at both sizes but for the twelfth,
// whose candidates grow with the customers up to that limit; one of all
// of them reads a page in the sort order, a count stopped at
// query.ExactCountLimit+1 and a sample, the same at both sizes; one
// shorter than a trigram that matches none reads every customer, as
// every search did before the index. A page by number in the middle or at
// the end starts after the row before it, found on the sort's index from
// the nearer end: a page in the middle costs in proportion to the
// customers (index entries skipped), the last page as the first.
//
//	go test -run '^$' -bench Search ./query/readmodel/postgres/
func BenchmarkSearch(b *testing.B) {
	pgtest.ServerURL(b)
	for _, rows := range []int{20_000, 200_000} {
		s := openStore(b, pgtest.Database(b))
		rebuild(b, s, manyCustomers(rows))
		for _, bc := range []struct {
			name, search string
			offset       int
		}{
			{"one-name", word(rows / 2), 0},
			{"one-vat", fmt.Sprintf("%011d", rows/2+1), 0},
			{"vat-6-digits", fmt.Sprintf("%06d", rows/2+1)[:6], 0},
			{"twelfth", "acme", 0},
			{"all", "customer since", 0},
			{"short-none", "zq", 0},
			{"page-first", "", 0},
			{"page-middle", "", rows / 2},
			{"page-last", "", rows - 20},
		} {
			b.Run(fmt.Sprintf("rows=%d/%s", rows, bc.name), func(b *testing.B) {
				q := query.ListQuery{Scope: domain.Scope{All: true}, Search: bc.search, SortBy: query.SortByName, Offset: bc.offset, Limit: 20}
				for b.Loop() {
					if _, err := s.Customers(b.Context(), q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
