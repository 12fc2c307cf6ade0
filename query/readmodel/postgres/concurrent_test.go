package postgres_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel/postgres"
	"github.com/customersvc/customersvc/query/readmodel/postgres/pgtest"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

// TestConcurrentStores: two Stores on one database, as two replicas,
// apply the events of the same customers at once, each in its own
// shuffled order and batches, some events delivered to both; each retries
// its gaps, as a NAKed message comes back. Every revision must be applied
// exactly once, and each customer end at its last revision.
func TestConcurrentStores(t *testing.T) {
	t.Parallel()
	db := pgtest.Database(t)
	stores := []*postgres.Store{openStore(t, db), openStore(t, db)}
	const customers, revisions = 12, 20
	queues := make([][]query.CustomerEvent, len(stores))
	position := uint64(0)
	for r := range revisions {
		for i := range customers {
			c := readmodeltest.Customer(i, fmt.Sprintf("rev %d", r))
			position++
			e := readmodeltest.Created(c, int64(r), position)
			owner := rand.IntN(len(stores))
			queues[owner] = append(queues[owner], e)
			// Every creation, and some later events, to both: their
			// writes race.
			if r == 0 || rand.IntN(5) == 0 {
				queues[1-owner] = append(queues[1-owner], e)
			}
		}
	}
	var mu sync.Mutex
	applied := map[[2]int64]int{}
	var wg sync.WaitGroup
	for i, s := range stores {
		rand.Shuffle(len(queues[i]), func(a, b int) { queues[i][a], queues[i][b] = queues[i][b], queues[i][a] })
		wg.Go(func() {
			pending := queues[i]
			for len(pending) > 0 {
				n := min(len(pending), 1+rand.IntN(8))
				batch := pending[:n:n]
				pending = pending[n:]
				outcomes, err := s.ApplyEvents(t.Context(), batch, "customers")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for j, o := range outcomes {
					switch o {
					case query.Applied:
						var id int64
						fmt.Sscanf(batch[j].CustomerID, "c-%d", &id)
						applied[[2]int64{id, batch[j].Revision}]++
					case query.Gap:
						pending = append(pending, batch[j]) // delivered again later
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(applied) != customers*revisions {
		t.Fatalf("%d revisions applied, want %d", len(applied), customers*revisions)
	}
	for k, n := range applied {
		if n != 1 {
			t.Fatalf("customer %d revision %d applied %d times", k[0], k[1], n)
		}
	}
	for i := range customers {
		want := readmodeltest.Customer(i, fmt.Sprintf("rev %d", revisions-1))
		want.Version = revisions - 1
		got, err := stores[0].Customer(t.Context(), want.ID)
		if err != nil || !readmodeltest.Equal(got, want) {
			t.Fatalf("customer %s: %+v, %v; want %+v", want.ID, got, err, want)
		}
	}
	t.Logf("batches run again after losing an insert race: %d", stores[0].Raced()+stores[1].Raced())
	if cp, err := stores[1].Checkpoint(t.Context(), "customers"); err != nil || cp != position {
		t.Fatalf("checkpoint %d, %v; want %d", cp, err, position)
	}
}
