package postgres_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
	"github.com/customersvc/customersvc/query/readmodel/postgres"
	"github.com/customersvc/customersvc/query/readmodel/postgres/pgtest"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

// trigramIndex is the search's index, as EXPLAIN names it.
const trigramIndex = `"Index Name": "customers_search_trgm"`

// queryInt is the integer stmt returns.
func queryInt(tb testing.TB, url, stmt string) int {
	tb.Helper()
	conn, err := pgx.Connect(tb.Context(), url)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(tb.Context()))
	var n int
	if err := conn.QueryRow(tb.Context(), stmt).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", stmt, err)
	}
	return n
}

// mustTrigramIndex fails unless the live customers have the search's
// index, and rows rows.
func mustTrigramIndex(t *testing.T, url string, rows int) {
	t.Helper()
	if n := queryInt(t, url, `SELECT count(*) FROM pg_indexes WHERE tablename = 'customers' AND indexname = 'customers_search_trgm'
		AND indexdef LIKE '%USING gin (search_trgm gin_trgm_ops)'`); n != 1 {
		t.Fatalf("%d trigram indexes on customers", n)
	}
	if n := queryInt(t, url, `SELECT count(*) FROM customers`); n != rows {
		t.Fatalf("%d customers, want %d", n, rows)
	}
}

// TestSearchUsesTrigramIndex: a search that matches few customers reads
// them from the trigram index, its page and its count, in any scope and
// order; one that matches most reads the sort order's index instead,
// stopping at the page's end. Both after a rebuild, whose copy builds the
// index once loaded, and after ApplyEvents.
func TestSearchUsesTrigramIndex(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t)
	s := openStore(t, db)
	const n = 20_000
	cs := manyCustomers(n)
	rebuild(t, s, cs[:n-100])
	mustTrigramIndex(t, db, n-100)
	apply := readmodeltest.Events(cs[n-100:], n)
	if _, err := s.ApplyEvents(t.Context(), apply, "customers"); err != nil {
		t.Fatal(err)
	}
	mustTrigramIndex(t, db, n)

	all, parent := domain.Scope{All: true}, domain.Scope{ParentOrganizationID: "org-1"}
	for _, tc := range []struct {
		q           query.ListQuery
		index       bool // page and count use the trigram index
		description string
	}{
		{query.ListQuery{Scope: all, Search: word(123), SortBy: query.SortByName}, true, "a name, by name"},
		{query.ListQuery{Scope: all, Search: "00000019955", SortBy: query.SortByName}, true, "a VAT, by name"},
		{query.ListQuery{Scope: parent, Search: "00000019999", SortBy: query.SortByCreatedAt, Desc: true}, true, "a VAT in a parent, by creation"},
		{query.ListQuery{Scope: all, Search: "vandelay bakery 1", SortBy: query.SortByUpdatedAt}, true, "a few names"},
		{query.ListQuery{Scope: all, Search: "customer since", SortBy: query.SortByName}, false, "every customer"},
	} {
		tc.q.Limit = 20
		matches := 0
		for _, c := range cs {
			text := strings.ToLower(c.Name + "\x00" + c.Description + "\x00" + c.VAT + "\x00" + c.NormalizedVAT)
			if (tc.q.Scope.All || c.ParentOrganizationID == tc.q.Scope.ParentOrganizationID) && strings.Contains(text, tc.q.Search) {
				matches++
			}
		}
		exact := matches <= query.ExactCountLimit
		page, count, err := s.ExplainSearch(t.Context(), tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(page, trigramIndex) != tc.index || strings.Contains(count, trigramIndex) != tc.index {
			t.Errorf("%s: the trigram index used: %t wanted\npage: %s\ncount: %s", tc.description, tc.index, page, count)
		}
		got, err := s.Customers(t.Context(), tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if got.TotalExact != exact || exact && got.Total != matches || len(got.Customers) != min(20, matches) {
			t.Errorf("%s: %d customers, total %d exact %t; want %d matches", tc.description, len(got.Customers), got.Total, got.TotalExact, matches)
		}
	}
}

// TestSearchTrigramsMigrated: the migration fills search_trgm, and
// indexes it, for the rows of a read model of the previous schema, which
// replicas of the previous version may still write; its down migration
// removes it.
func TestSearchTrigramsMigrated(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t)
	s := openStore(t, db)
	cs := searchSet()
	if _, err := s.ApplyEvents(t.Context(), readmodeltest.Events(cs[:10], 1), "customers"); err != nil {
		t.Fatal(err)
	}
	down, err := os.ReadFile("migrations/000003_search_trgm.down.sql")
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, db, string(down), "UPDATE read_model_migrations SET version = 2")
	if n := queryInt(t, db, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'customers' AND column_name = 'search_trgm'`); n != 0 {
		t.Fatal("the down migration left search_trgm")
	}
	// The previous version writes as this one does: search_trgm is
	// PostgreSQL's to fill.
	if _, err := s.ApplyEvents(t.Context(), readmodeltest.Events(cs[10:], 11), "customers"); err != nil {
		t.Fatal(err)
	}
	openStore(t, db)
	mustTrigramIndex(t, db, len(cs))
	if n := queryInt(t, db, `SELECT version FROM read_model_migrations`); n != 3 {
		t.Fatalf("schema version %d after Open", n)
	}
	testSearchesThroughIndex(t, db, cs)
}

// searchSet are customers whose texts hold what a LIKE pattern or the
// rendering of the search text as text could get wrong: LIKE's wildcards
// and escape, NUL, U+001F, invalid UTF-8, U+FFFD, letters that
// lower-case to other lengths, and the fields' boundaries.
func searchSet() []query.Customer {
	texts := [][2]string{
		{"100% Pure", "50_50 mix"},
		{"1000 Pure", "50-50 mix"},
		{`Back\Slash`, `C:\path\_x%`},
		{"Nul", "before\x00after"},
		{"Unit", "one\x1ftwo"},
		{"Bad bytes", "\xff\xfe half \xe2\x82 euro \xe2\x82\xac"}, // text columns, as the name, hold none
		{"Replacement \ufffd", "text"},
		{"ÄRZTE İstanbul", "\u212aELVIN ǅ ΣΑΣ"},
		{"ärzte istanbul", "kelvin ǆ σας"},
		{"Acme", "Widgets"},
		{"Acme Widgets", ""},
		{"", ""},
		{"ends with a", "begins"},
	}
	out := make([]query.Customer, len(texts)*2)
	for i := range out {
		c := readmodeltest.Customer(i, "")
		c.Name, c.Description = texts[i%len(texts)][0], texts[i%len(texts)][1]
		if i >= len(texts) {
			c.Name, c.Description = strings.ToUpper(c.Name), c.Description+" more"
		}
		out[i] = c
	}
	return out
}

// testSearches: the searches find what the search text's bytes hold, in
// Go: strings.Contains of the lower-cased texts.
func testSearches(t *testing.T, s *postgres.Store, all []query.Customer) {
	t.Helper()
	for _, search := range []string{
		"%", "_", `\`, "0%", "0_5", "00% p", "50_50", "50%50", `\_`, `\path\_x%`, `k\s`, "c:%x",
		"\x00", "e\x00a", "before\x00after", "\x1f", "one\x1ftwo", "e\x1fa", "before after",
		"\xff", "\xff\xfe", "\ufffd", "\ufffd\ufffd", "half \xe2\x82 euro", " euro €", "bytes\x00\ufffd",
		"ärzte", "ÄRZTE", "İstanbul", "i̇stanbul", "\u212aelvin", "kelvin", "ǅ", "ǆ", "σας", "ΣΑΣ",
		"acme", "acme\x00widgets", "acme widgets", "a\x00begins", "a\x00b", "widgets\x00",
		"it 0", "a", "ac", "zq", "pure 1", "more",
	} {
		for _, scope := range []domain.Scope{{All: true}, {ParentOrganizationID: "org-2"}} {
			q := query.ListQuery{Scope: scope, Search: search, SortBy: query.SortByName, Limit: 100}
			got, err := s.Customers(t.Context(), q)
			if err != nil {
				t.Fatalf("%q: %v", search, err)
			}
			var want []string
			for _, c := range all {
				text := strings.ToLower(c.Name + "\x00" + c.Description + "\x00" + c.VAT + "\x00" + c.NormalizedVAT)
				if (scope.All || c.ParentOrganizationID == scope.ParentOrganizationID) && strings.Contains(text, strings.ToLower(search)) {
					want = append(want, c.ID)
				}
			}
			var ids []string
			for _, c := range got.Customers {
				ids = append(ids, c.ID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, want) || got.Total != len(want) || !got.TotalExact {
				t.Errorf("search %q in %+v: %v of %d, want %v", search, scope, ids, got.Total, want)
			}
		}
	}
}

// TestSearchSemantics: a search matches the lower-cased bytes of the
// search text, as it did before the trigram index, whatever it holds,
// the rows filtered or read from the index; search_trgm is the search
// text with U+001F for NUL.
func TestSearchSemantics(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t)
	s := openStore(t, db)
	cs := searchSet()
	if _, err := s.ApplyEvents(t.Context(), readmodeltest.Events(cs, 1), "customers"); err != nil {
		t.Fatal(err)
	}
	testSearches(t, s, cs)
	testSearchesThroughIndex(t, db, cs)

	conn, err := pgx.Connect(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(t.Context()))
	for _, c := range cs {
		var text string
		if err := conn.QueryRow(t.Context(), `SELECT search_trgm FROM customers WHERE id = $1`, c.ID).Scan(&text); err != nil {
			t.Fatal(err)
		}
		if _, search := readmodel.SearchKeys(c); text != strings.ReplaceAll(search, "\x00", "\x1f") {
			t.Errorf("%s: search_trgm %q, search text %q", c.ID, text, search)
		}
	}
}

// testSearchesThroughIndex is testSearches on a Store of the database at
// db that may neither scan the table nor the sort order's indexes, so
// that the planner reads the rows through the trigram index wherever a
// search has trigrams.
func testSearchesThroughIndex(t *testing.T, db string, all []query.Customer) {
	t.Helper()
	pgtest.Exec(t, db, `DO $$ BEGIN
	EXECUTE format('ALTER DATABASE %I SET enable_seqscan = off', current_database());
	EXECUTE format('ALTER DATABASE %I SET enable_indexscan = off', current_database());
END $$`)
	s := openStore(t, db)
	page, count, err := s.ExplainSearch(t.Context(), query.ListQuery{Scope: domain.Scope{All: true}, Search: "pure", Limit: 10})
	if err != nil || !strings.Contains(page, trigramIndex) || !strings.Contains(count, trigramIndex) {
		t.Fatalf("without scans, the trigram index is not used: %v\npage: %s\ncount: %s", err, page, count)
	}
	testSearches(t, s, all)
}
