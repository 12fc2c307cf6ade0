package readmodel

import (
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

func TestGramTerms(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"", nil},
		{"ab", nil},
		{"abc", []string{"abc"}},
		{"abcab", []string{"abc", "bca", "cab"}},
		{"abcabc", []string{"abc", "bca", "cab"}},
		{"a-b1", []string{"2d6231", "612d62"}},
		{"ab\x00cd", nil}, // no trigram spans two fields
		{"ab\x00cde\x00fg", []string{"cde"}},
		{"äbc", []string{"c3a46263"}},
		{"\ufffdxy", []string{"efbfbd7879"}},
	} {
		if got := gramTerms(c.text); !slices.Equal(got, c.want) {
			t.Errorf("gramTerms(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func openTestStore(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// searchSet is n customers with names, descriptions and VATs drawn from
// small sets of words, so that searches match some and not others.
func searchSet(n int, rnd *rand.Rand) []query.Customer {
	words := []string{"Acme", "Bäcker", "Nord", "Süd", "Handel", "Logistik", "İnşaat", "Café", "Müller & Co", "ΑΘΗΝΑ"}
	out := make([]query.Customer, n)
	for i := range out {
		c := readmodeltest.Customer(i, "x")
		c.Name = fmt.Sprintf("%s %s %d", words[rnd.IntN(len(words))], words[rnd.IntN(len(words))], rnd.IntN(1000))
		c.Description = words[rnd.IntN(len(words))]
		c.VAT = fmt.Sprintf("de %03d %03d %03d", rnd.IntN(1000), rnd.IntN(1000), rnd.IntN(1000))
		c.NormalizedVAT = strings.ToUpper(strings.ReplaceAll(c.VAT, " ", ""))
		out[i] = c
	}
	return out
}

// matching is what a search must find: the customers whose search text
// holds it, in q's order (created_at, then id).
func matching(all []query.Customer, search string, parent string) []string {
	var ids []query.Customer
	for _, c := range all {
		if _, text := SearchKeys(c); strings.Contains(text, search) && (parent == "" || c.ParentOrganizationID == parent) {
			ids = append(ids, c)
		}
	}
	slices.SortFunc(ids, func(a, b query.Customer) int {
		if d := a.CreatedAt.Compare(b.CreatedAt); d != 0 {
			return d
		}
		return strings.Compare(a.ID, b.ID)
	})
	out := make([]string, len(ids))
	for i, c := range ids {
		out[i] = c.ID
	}
	return out
}

// TestSearchIndexAgreesWithTheText: searches read through the index find
// exactly the customers whose search text holds them — substrings of
// names, descriptions and VATs, in any case, with customers renamed after
// they were indexed — and searches of three characters or more read the
// index, not the table.
func TestSearchIndexAgreesWithTheText(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	s := openTestStore(t, filepath.Join(t.TempDir(), DefaultFile))
	all := searchSet(900, rnd)
	for i := 0; i < len(all); i += 100 {
		if _, err := s.ApplyEvents(t.Context(), readmodeltest.Events(all[i:i+100], uint64(i+1)), "customers"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.WaitIndexed(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Rename some customers after they were indexed: their old names must
	// no longer find them, their new ones must.
	var renamed []query.CustomerEvent
	for i := 0; i < len(all); i += 7 {
		all[i].Name, all[i].Version = fmt.Sprintf("Renamed Quux %d", i), 1
		renamed = append(renamed, readmodeltest.Created(all[i], 1, uint64(1000+i)))
	}
	if _, err := s.ApplyEvents(t.Context(), renamed, "customers"); err != nil {
		t.Fatal(err)
	}
	check := func(stage string) {
		t.Helper()
		searches := []string{"quux", "renamed quux 7", "zzz", "αθη", "inş", "müller & co", "de 1", "süd nord"}
		for range 60 {
			_, text := SearchKeys(all[rnd.IntN(len(all))])
			runes := []rune(text)
			from := rnd.IntN(len(runes) - 3)
			n := 3 + rnd.IntN(min(6, len(runes)-from-3)+1)
			if search := string(runes[from : from+n]); !strings.Contains(search, "\x00") {
				searches = append(searches, search)
			}
		}
		for _, search := range searches {
			for _, parent := range []string{"", "org-1"} {
				scope := domain.Scope{All: true}
				if parent != "" {
					scope = domain.Scope{ParentOrganizationID: parent}
				}
				q := query.ListQuery{Scope: scope, Search: search, Limit: 1000}
				got, err := s.Customers(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				ids := make([]string, len(got.Customers))
				for i, c := range got.Customers {
					ids[i] = c.ID
				}
				want := matching(all, search, parent)
				if !slices.Equal(ids, want) || got.Total != len(want) || !got.TotalExact {
					t.Fatalf("%s: search %q in %+v: got %d %v (total %d), want %d %v", stage, search, scope, len(ids), ids, got.Total, len(want), want)
				}
				src, err := s.searchSource(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				if want := utf8.RuneCountInString(search) >= 3; src.indexed != want {
					t.Fatalf("%s: search %q read the index: %t, want %t", stage, search, src.indexed, want)
				}
			}
		}
	}
	check("before the renames are indexed")
	if err := s.WaitIndexed(t.Context()); err != nil {
		t.Fatal(err)
	}
	check("indexed")
}

// TestFileFromBeforeTheSearchIndex: a read model written before the search
// index gets its handles and its index when opened, and searches it.
func TestFileFromBeforeTheSearchIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFile)
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	all := searchSet(300, rand.New(rand.NewPCG(3, 4)))
	if _, err := s.ApplyEvents(t.Context(), readmodeltest.Events(all, 1), "customers"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Take the file back to the schema it had before.
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`DROP INDEX customers_handle`, `ALTER TABLE customers DROP COLUMN handle`,
		`DROP TABLE customer_search`, `DROP TABLE customer_grams`, `DROP TABLE search_progress`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestStore(t, path)
	var numbered int
	if err := s.read.QueryRow(`SELECT count(DISTINCT handle) FROM customers`).Scan(&numbered); err != nil {
		t.Fatal(err)
	}
	if numbered != len(all) {
		t.Fatalf("%d of %d customers numbered", numbered, len(all))
	}
	if err := s.WaitIndexed(t.Context()); err != nil {
		t.Fatal(err)
	}
	var indexed int
	if err := s.read.QueryRow(`SELECT count(*) FROM customer_search WHERE customer_search MATCH 'acm'`).Scan(&indexed); err != nil {
		t.Fatal(err)
	}
	if want := len(matching(all, "acm", "")); indexed != want || want == 0 {
		t.Fatalf("the index holds 'acm' for %d customers, want %d", indexed, want)
	}
	got, err := s.Customers(t.Context(), query.ListQuery{Scope: domain.Scope{All: true}, Search: "acme", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if want := matching(all, "acme", ""); got.Total != len(want) || len(got.Customers) != len(want) {
		t.Fatalf("search found %d (total %d), want %d", len(got.Customers), got.Total, len(want))
	}
}

// TestReloadIntoAnIndexedFile: a bulk load into a file the indexer has
// already indexed (a switch-over run again) numbers the rows it changes
// above the index's mark, so searches find them by their new text; rows
// it leaves as they were keep their handles.
func TestReloadIntoAnIndexedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFile)
	all := searchSet(50, rand.New(rand.NewPCG(5, 6)))
	load := func() {
		t.Helper()
		l, err := OpenLoader(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		batches := func(yield func(Batch) bool) { yield(Batch{Customers: all, Position: 50}) }
		if err := l.Load(t.Context(), "customers", batches, LoadOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(l.Finish(t.Context()), l.Close()); err != nil {
			t.Fatal(err)
		}
		s, err := Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.WaitIndexed(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	load()
	// The newest customer, which holds the highest handle, is renamed.
	newest := slices.MaxFunc(all, func(a, b query.Customer) int { return a.CreatedAt.Compare(b.CreatedAt) })
	for i := range all {
		if all[i].ID == newest.ID {
			all[i].Name, all[i].Version = "Zebrafish Trading", 1
		}
	}
	load()
	s := openTestStore(t, path)
	got, err := s.Customers(t.Context(), query.ListQuery{Scope: domain.Scope{All: true}, Search: "zebrafish", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 1 || len(got.Customers) != 1 || got.Customers[0].ID != newest.ID {
		t.Fatalf("search for the new name: %d found (total %d), want %s", len(got.Customers), got.Total, newest.ID)
	}
	var renumbered int
	if err := s.read.QueryRow(`SELECT count(*) FROM customers WHERE handle > 50`).Scan(&renumbered); err != nil {
		t.Fatal(err)
	}
	if renumbered != 1 {
		t.Fatalf("%d rows renumbered, want only the renamed one", renumbered)
	}
}

// TestIndexerSaysWhenItFails: an indexer that cannot write says so once in
// the log, searches stay exact (they read the rows it has not reached),
// and IndexErr holds the error.
func TestIndexerSaysWhenItFails(t *testing.T) {
	var logged strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logged.Write(p)
	}), nil))
	path := filepath.Join(t.TempDir(), DefaultFile)
	s, err := Open(t.Context(), path, WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Every chunk of the indexer now fails, as on a disk that refuses it.
	if _, err := s.write.Exec(`CREATE TRIGGER refuse BEFORE INSERT ON customer_grams BEGIN SELECT RAISE(ABORT, 'refused'); END`); err != nil {
		t.Fatal(err)
	}
	all := searchSet(3000, rand.New(rand.NewPCG(7, 8)))
	if _, err := s.ApplyEvents(t.Context(), readmodeltest.Events(all, 1), "customers"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.IndexErr() == nil {
		if time.Now().After(deadline) {
			t.Fatal("the indexer reported no error")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(3 * indexEvery) // more failing ticks
	mu.Lock()
	lines := strings.Count(logged.String(), "the search index is not kept up")
	mu.Unlock()
	if lines != 1 {
		t.Fatalf("%d log lines about the failing indexer, want 1:\n%s", lines, logged.String())
	}
	got, err := s.Customers(t.Context(), query.ListQuery{Scope: domain.Scope{All: true}, Search: "acme", Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if want := matching(all, "acme", ""); got.Total != len(want) {
		t.Fatalf("search while the indexer fails: total %d, want %d", got.Total, len(want))
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
