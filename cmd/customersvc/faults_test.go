package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	neturl "net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/command/eventstore/sqlite"
	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
)

// TestCrashUnderLoad kills the service with SIGKILL at random moments under
// load and restarts it on the same DATA_DIR. Every customer that got a 201
// must be in the event store and in the read model, and the read model must
// equal a fold of the event store.
func TestCrashUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the service several times")
	}
	dir := t.TempDir()
	tok := mint(t, "Reseller", "reseller-crash")
	current := start(t, dir)
	var base atomic.Value // the load follows the restarts
	base.Store(current.base)
	got := &acked{ids: map[string]bool{}}
	ctx, stopLoad := context.WithCancel(context.Background())
	wg := load(ctx, func() string { return base.Load().(string) }, tok, 8, got)
	const kills = 5
	var slowest time.Duration
	restarted := 0 // restarts that found messages the crash left unacknowledged
	for i := range kills {
		time.Sleep(time.Duration(300+rand.IntN(900)) * time.Millisecond)
		current.kill(t)
		if i > 0 && strings.Contains(current.logs.String(), "left unacknowledged by the last run") {
			restarted++
		}
		before := got.list()    // every create acknowledged before the crash
		current = start(t, dir) // returns once /readyz answers 200
		base.Store(current.base)
		// Under the load that goes on: every customer acknowledged before
		// the crash is in the list, within 5 s of readiness (issue 14).
		took, missing := waitListed(current, tok, before, 35*time.Second)
		t.Logf("restart %d: the %d customers acknowledged before the crash all listed %v after /readyz answered 200", i+1, len(before), took.Round(time.Millisecond))
		if missing > 0 {
			t.Errorf("restart %d: %d of %d acknowledged customers still absent from the list %v after readiness", i+1, missing, len(before), took.Round(time.Millisecond))
		} else if took > listedWithin {
			t.Errorf("restart %d: the acknowledged customers took %v after readiness to be listed; want at most %v", i+1, took.Round(time.Millisecond), listedWithin)
		}
		slowest = max(slowest, took)
	}
	time.Sleep(500 * time.Millisecond)
	stopLoad()
	wg.Wait()
	if err := current.stop(); err != nil {
		t.Fatalf("graceful stop after the crashes: %v\n%s", err, current.logs)
	}
	if strings.Contains(current.logs.String(), "left unacknowledged by the last run") {
		restarted++
	}
	t.Logf("%d of %d restarts found messages the crash had left unacknowledged, and had them delivered again at once", restarted, kills)
	if len(got.list()) < 100 {
		t.Fatalf("only %d creates acknowledged; the load did not run", len(got.list()))
	}
	t.Logf("%d creates acknowledged across %d kills; the slowest restart listed them all %v after readiness", len(got.list()), kills, slowest.Round(time.Millisecond))
	// A restart drains what the last run had not projected yet.
	final := start(t, dir)
	waitProjected(t, final, tok, len(got.list()))
	if err := final.stop(); err != nil {
		t.Fatal(err)
	}
	assertLogEqualsReadModel(t, dir, got.list())
}

// TestShutdownUnderLoad sends SIGTERM while requests are in flight: the
// process exits cleanly, and every acknowledged customer is there after a
// restart.
func TestShutdownUnderLoad(t *testing.T) {
	dir := t.TempDir()
	tok := mint(t, "Reseller", "reseller-shutdown")
	p := start(t, dir)
	got := &acked{ids: map[string]bool{}}
	ctx, stopLoad := context.WithCancel(context.Background())
	wg := load(ctx, func() string { return p.base }, tok, 16, got)
	time.Sleep(700 * time.Millisecond)
	if err := p.stop(); err != nil {
		t.Fatalf("SIGTERM under load: %v\n%s", err, p.logs)
	}
	stopLoad()
	wg.Wait()
	if len(got.list()) == 0 {
		t.Fatal("no create was acknowledged before the stop")
	}
	t.Logf("%d creates acknowledged before SIGTERM", len(got.list()))
	// The graceful stop drained the projector: everything acknowledged is
	// in the read model without any help from a restart.
	assertLogEqualsReadModel(t, dir, got.list())
	if t.Failed() {
		t.Logf("service log:\n%s", p.logs)
	}
}

// listedWithin is how soon after a restart's /readyz answers 200 every
// customer acknowledged before the crash must be listed (issue 14).
const listedWithin = 5 * time.Second

// waitListed polls the list, from the moment the service is ready, until
// every id of want is in it and total_count counts at least that many, or
// until limit. It returns how long that took from its call and how many of
// want were missing at the last look.
func waitListed(p *process, tok string, want []string, limit time.Duration) (time.Duration, int) {
	begin := time.Now()
	missing := len(want)
	for time.Since(begin) < limit {
		total, listed, err := listAll(p.base, tok)
		if err == nil {
			missing = 0
			for _, id := range want {
				if !listed[id] {
					missing++
				}
			}
			if missing == 0 && total >= len(want) {
				return time.Since(begin), 0
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(begin), missing
}

// listAll pages through the whole list, newest first (so the creates going
// on meanwhile do not lengthen the walk), and returns the first page's
// total_count and every id seen.
func listAll(base, tok string) (int, map[string]bool, error) {
	ids := map[string]bool{}
	total := -1
	url := base + "/customers?page_size=100&sort_by=created_at&sort_direction=desc"
	for cursor := ""; ; {
		var page struct {
			Data struct {
				Customers  []struct{ ID string }
				Pagination struct {
					TotalCount int     `json:"total_count"`
					NextCursor *string `json:"next_cursor"`
				}
			}
		}
		next := url
		if cursor != "" {
			next += "&cursor=" + neturl.QueryEscape(cursor)
		}
		if err := getJSON(next, tok, &page); err != nil {
			return 0, nil, err
		}
		if total < 0 {
			total = page.Data.Pagination.TotalCount
		}
		for _, c := range page.Data.Customers {
			ids[c.ID] = true
		}
		if page.Data.Pagination.NextCursor == nil {
			return total, ids, nil
		}
		cursor = *page.Data.Pagination.NextCursor
	}
}

func waitProjected(t *testing.T, p *process, tok string, atLeast int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var page struct {
			Data struct {
				Pagination struct {
					TotalCount int `json:"total_count"`
				}
			}
		}
		if err := getJSON(p.base+"/customers?page_size=1", tok, &page); err == nil && page.Data.Pagination.TotalCount >= atLeast {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("read model did not reach %d customers", atLeast)
}

// assertLogEqualsReadModel folds every customer stream of the event store
// in dataDir and compares the result, row by row, with the read model.
func assertLogEqualsReadModel(t *testing.T, dataDir string, acknowledged []string) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dataDir, "events.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rm, err := readmodel.Open(ctx, filepath.Join(dataDir, "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()

	folded := foldLog(t, store)
	for _, id := range acknowledged {
		if _, ok := folded[id]; !ok {
			t.Errorf("customer %s got a 201 but is not in the event store", id)
		}
	}
	list, err := rm.Customers(ctx, query.ListQuery{Scope: domain.Scope{All: true}, SortBy: query.SortByCreatedAt, Limit: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	all, total := list.Customers, list.Total
	if total != len(folded) {
		t.Errorf("read model has %d customers, the event store %d", total, len(folded))
	}
	for _, row := range all {
		want, ok := folded[row.ID]
		if !ok {
			t.Errorf("read model has %s, the event store does not", row.ID)
			continue
		}
		rowJSON, _ := json.Marshal(row)
		wantJSON, _ := json.Marshal(want)
		if string(rowJSON) != string(wantJSON) {
			t.Errorf("customer %s\nread model %s\nfold       %s", row.ID, rowJSON, wantJSON)
		}
	}
	checkReservations(t, store, folded)
}

// foldLog reads the whole log and folds each customer stream.
func foldLog(t *testing.T, store *sqlite.Store) map[string]query.Customer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	head, err := store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	events := map[string][]domain.Event{}
	err = store.Follow(ctx, eventstore.Start, customerstream.Filter,
		func(_ context.Context, b eventstore.Batch) error {
			for _, r := range b.Events {
				e, err := customerstream.Decode(r)
				if err != nil {
					return err
				}
				id, _ := customerstream.CustomerID(r.Stream)
				events[id] = append(events[id], e)
			}
			if !b.Reached.Less(head) {
				return errDone
			}
			return nil
		})
	if head != eventstore.Start && !errors.Is(err, errDone) {
		t.Fatalf("read the log: %v", err)
	}
	folded := map[string]query.Customer{}
	for id, es := range events {
		c, ok := query.Fold(es)
		if !ok {
			t.Fatalf("stream of %s does not fold", id)
		}
		folded[id] = c
	}
	return folded
}

var errDone = errors.New("read to the head")

// checkReservations: nothing half-written, every VAT reservation's holder
// exists.
func checkReservations(t *testing.T, store *sqlite.Store, customers map[string]query.Customer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	head, _ := store.Head(ctx)
	_ = store.Follow(ctx, eventstore.Start, eventstore.Filter{StreamPrefixes: []string{"customer_vat-"}},
		func(_ context.Context, b eventstore.Batch) error {
			for _, r := range b.Events {
				var held struct {
					CustomerID string `json:"customer_id"`
				}
				_ = json.Unmarshal(r.Data, &held)
				if _, ok := customers[held.CustomerID]; !ok {
					t.Errorf("reservation %s is held by %s, which was never created", r.Stream, held.CustomerID)
				}
			}
			if !b.Reached.Less(head) {
				return errDone
			}
			return nil
		})
}
