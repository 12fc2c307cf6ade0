package query_test

import (
	"slices"
	"testing"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
)

func createdAt(id string, revision int64, position uint64, name string) query.CustomerEvent {
	return query.CustomerEvent{CustomerID: id, Revision: revision, Position: position,
		Event: domain.CustomerCreated{CustomerID: id, Name: name}}
}

// TestFoldBatch: the rule every read-model adapter applies, on rows held
// in memory.
func TestFoldBatch(t *testing.T) {
	t.Parallel()
	stored := map[string]query.Customer{"b": {ID: "b", Name: "b0", Version: 0}}
	cases := []struct {
		name     string
		events   []query.CustomerEvent
		outcomes []query.Outcome
		changed  map[string]string // id → name
		position uint64
		moved    bool
	}{
		{"empty", nil, []query.Outcome{}, map[string]string{}, 0, false},
		{"newCustomer", []query.CustomerEvent{createdAt("a", 0, 5, "a0")},
			[]query.Outcome{query.Applied}, map[string]string{"a": "a0"}, 5, true},
		{"nextRevision", []query.CustomerEvent{createdAt("b", 1, 5, "b1")},
			[]query.Outcome{query.Applied}, map[string]string{"b": "b1"}, 5, true},
		{"redelivery", []query.CustomerEvent{createdAt("b", 0, 9, "stale")},
			[]query.Outcome{query.Skipped}, map[string]string{}, 9, true},
		{"gapMovesNothing", []query.CustomerEvent{createdAt("b", 2, 9, "b2"), createdAt("a", 1, 8, "a1")},
			[]query.Outcome{query.Gap, query.Gap}, map[string]string{}, 0, false},
		{"inOrderInOneBatch", []query.CustomerEvent{createdAt("b", 1, 3, "b1"), createdAt("b", 3, 9, "b3"), createdAt("b", 2, 4, "b2"), createdAt("b", 1, 3, "b1")},
			[]query.Outcome{query.Applied, query.Gap, query.Applied, query.Skipped}, map[string]string{"b": "b2"}, 4, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fold := query.FoldBatch(c.events, stored)
			if !slices.Equal(fold.Outcomes, c.outcomes) || fold.Position != c.position || fold.Moved != c.moved {
				t.Fatalf("outcomes %v, position %d, moved %t; want %v, %d, %t", fold.Outcomes, fold.Position, fold.Moved, c.outcomes, c.position, c.moved)
			}
			got := map[string]string{}
			for _, row := range fold.Changed {
				got[row.ID] = row.Name
				if want := c.events[slices.IndexFunc(c.events, func(e query.CustomerEvent) bool {
					return e.CustomerID == row.ID && e.Event.(domain.CustomerCreated).Name == row.Name
				})].Revision; row.Version != want {
					t.Errorf("row %s at version %d, want %d", row.ID, row.Version, want)
				}
			}
			if len(got) != len(c.changed) {
				t.Fatalf("changed %v, want %v", got, c.changed)
			}
			for id, name := range c.changed {
				if got[id] != name {
					t.Fatalf("changed %v, want %v", got, c.changed)
				}
			}
			if stored["b"].Version != 0 || stored["b"].Name != "b0" {
				t.Fatal("FoldBatch changed the stored rows")
			}
		})
	}
}
