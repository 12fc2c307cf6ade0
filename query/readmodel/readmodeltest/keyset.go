package readmodeltest

import (
	"cmp"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
)

func runKeyset(t *testing.T, open func(t *testing.T) Store) {
	t.Parallel()
	s := open(t)
	apply(t, s, Events(readSet(), 1), repeat(query.Applied, len(readSet()))...)
	w := &walker{s: s, position: 1000}
	for _, scope := range []domain.Scope{{All: true}, {ParentOrganizationID: "org-1"}} {
		for _, by := range []string{query.SortByCreatedAt, query.SortByName, query.SortByUpdatedAt} {
			for _, desc := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%+v/desc=%t", by, scope, desc), func(t *testing.T) { w.walk(t, scope, by, desc) })
			}
		}
	}
}

// walker walks lists page by page after the last position, creating
// customers as it goes.
type walker struct {
	s        Store
	position uint64 // of the last event applied
	created  int
}

// walk fails unless a walk of the list sees every customer it held at
// the start exactly once, in order, while new customers are created
// between the first pages, before and after the walk's position in its
// order (those are seen at most once).
func (w *walker) walk(t *testing.T, scope domain.Scope, by string, desc bool) {
	start, err := w.s.Customers(t.Context(), query.ListQuery{Scope: scope, SortBy: by, Desc: desc, Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	var after *query.Position
	var prev *query.Position
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("the walk does not end")
		}
		q := query.ListQuery{Scope: scope, SortBy: by, Desc: desc, After: after, Limit: 4}
		page, err := w.s.Customers(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Customers {
			seen[c.ID]++
			if !scope.Includes(c.ID, c.ParentOrganizationID) {
				t.Fatalf("page %d: customer %s outside %+v", pages, c.ID, scope)
			}
			pos := positionOf(c, by)
			if prev != nil && !inOrder(*prev, pos, desc) {
				t.Fatalf("page %d: %+v after %+v", pages, pos, *prev)
			}
			prev = &pos
		}
		if pages < 3 {
			w.create(t, scope)
		}
		if page.Next == nil {
			break
		}
		after = page.Next
	}
	for _, c := range start.Customers {
		if seen[c.ID] != 1 {
			t.Errorf("customer %s seen %d times", c.ID, seen[c.ID])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("customer %s seen %d times", id, n)
		}
	}
}

// inOrder reports whether b comes after a in the order.
func inOrder(a, b query.Position, desc bool) bool {
	n := cmp.Or(cmp.Compare(a.Time, b.Time), strings.Compare(a.NameKey, b.NameKey), strings.Compare(a.ID, b.ID))
	if desc {
		return n > 0
	}
	return n < 0
}

// create applies two new customers in scope: one sorting before the
// readSet customers in every order, one after.
func (w *walker) create(t *testing.T, scope domain.Scope) {
	base := time.Date(2025, 6, 7, 8, 9, 10, 123456789, time.UTC)
	for _, early := range []bool{true, false} {
		w.created++
		c := Customer(w.created, "new")
		c.ID = fmt.Sprintf("new-%04d", w.created)
		if scope.ParentOrganizationID != "" {
			c.ParentOrganizationID = scope.ParentOrganizationID
		}
		c.Name, c.CreatedAt = "zz new", base.Add(time.Hour+time.Duration(w.created))
		if early {
			c.Name, c.CreatedAt = "aa new", base.Add(-time.Hour-time.Duration(w.created))
		}
		c.UpdatedAt = c.CreatedAt
		w.position++
		apply(t, w.s, []query.CustomerEvent{Created(c, 0, w.position)}, query.Applied)
	}
}
