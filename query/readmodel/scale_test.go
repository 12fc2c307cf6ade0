package readmodel_test

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

// BenchmarkListsAtScale: the reads of a list page, a deep page and
// searches on read models of growing size, loaded in bulk and indexed.
// The sizes come from CUSTOMERS_BENCH_SIZES (default 10000,100000); the
// cost of each read should not grow with them.
//
//	CUSTOMERS_BENCH_SIZES=10000,100000,1000000 go test ./query/readmodel -run '^$' -bench ListsAtScale -benchtime 200x
func BenchmarkListsAtScale(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if env := os.Getenv("CUSTOMERS_BENCH_SIZES"); env != "" {
		sizes = nil
		for _, f := range splitComma(env) {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		s, probe := scaleStore(b, n)
		one := domain.Scope{ParentOrganizationID: "org-0"}
		for _, c := range []struct {
			name string
			q    query.ListQuery
		}{
			{"first-page-created", query.ListQuery{Scope: one, Limit: 20}},
			{"first-page-name", query.ListQuery{Scope: one, SortBy: query.SortByName, Limit: 20}},
			{"page-by-offset-middle", query.ListQuery{Scope: one, Limit: 20, Offset: n / 2}},
			{"search-name-selective", query.ListQuery{Scope: one, Search: probe.nameFragment, Limit: 20}},
			{"search-vat-part", query.ListQuery{Scope: one, Search: probe.vatPart, Limit: 20}},
			{"search-common", query.ListQuery{Scope: one, Search: "acme", Limit: 20}},
			{"search-owner-selective", query.ListQuery{Scope: domain.Scope{All: true}, Search: probe.nameFragment, Limit: 20}},
		} {
			b.Run(fmt.Sprintf("customers=%d/%s", n, c.name), func(b *testing.B) {
				for b.Loop() {
					got, err := s.Customers(b.Context(), c.q)
					if err != nil {
						b.Fatal(err)
					}
					if len(got.Customers) == 0 {
						b.Fatalf("%+v: nothing found", c.q)
					}
				}
			})
		}
	}
}

type scaleProbe struct{ nameFragment, vatPart string }

// scaleStore is a read model of n customers under org-0, loaded in bulk
// and indexed, with a name fragment and a VAT part that a few match.
func scaleStore(b *testing.B, n int) (*readmodel.Store, scaleProbe) {
	b.Helper()
	path := filepath.Join(b.TempDir(), readmodel.DefaultFile)
	l, err := readmodel.OpenLoader(b.Context(), path)
	if err != nil {
		b.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(uint64(n), 7))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var probe scaleProbe
	batches := func(yield func(readmodel.Batch) bool) {
		for i := 0; i < n; i += 1000 {
			batch := readmodel.Batch{Position: uint64(i + 1000)}
			for j := i; j < min(n, i+1000); j++ {
				c := readmodeltest.Customer(j, "x")
				c.ParentOrganizationID = "org-0"
				c.Name = fmt.Sprintf("Acme %s %d GmbH", word(rnd), j)
				c.Description = "customer " + word(rnd)
				vat := fmt.Sprintf("%09d", rnd.IntN(1_000_000_000))
				c.VAT, c.NormalizedVAT = "DE "+vat, "DE"+vat
				c.CreatedAt = base.Add(time.Duration(j) * time.Millisecond)
				c.UpdatedAt = c.CreatedAt
				if j == n/3 {
					probe = scaleProbe{nameFragment: fmt.Sprintf("%d gmb", j), vatPart: vat[1:7]}
				}
				batch.Customers = append(batch.Customers, c)
			}
			if !yield(batch) {
				return
			}
		}
	}
	if err := l.Load(b.Context(), "customers", iter.Seq[readmodel.Batch](batches), readmodel.LoadOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := l.Finish(b.Context()); err != nil {
		b.Fatal(err)
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	s, err := readmodel.Open(b.Context(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.WaitIndexed(b.Context()); err != nil {
		b.Fatal(err)
	}
	return s, probe
}

// word is a random lower-case word of five letters.
func word(rnd *rand.Rand) string {
	w := make([]byte, 5)
	for i := range w {
		w[i] = byte('a' + rnd.IntN(26))
	}
	return string(w)
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
