package readmodel

import (
	"cmp"
	"slices"
	"strings"

	"github.com/customersvc/customersvc/query"
)

// What the list queries of both read models (this one and postgres) share:
// the column a list is sorted by, its ORDER BY, and the keyset condition
// that starts a page after a cursor's row. Only the placeholders differ.

// SortColumn is the column a list sorted by sortBy is ordered on; the name
// sorts by its lower-cased key.
func SortColumn(sortBy string) string {
	switch sortBy {
	case query.SortByName:
		return "name_key"
	case query.SortByUpdatedAt:
		return "updated_at"
	}
	return "created_at"
}

// OrderBy is the list's ORDER BY clause: the sort column, then the id, so
// that the order is total and a keyset page continues exactly.
func OrderBy(q query.ListQuery) string {
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	return " ORDER BY " + SortColumn(q.SortBy) + dir + ", id" + dir
}

// KeysetAfter is the condition of the rows after the cursor's row in q's
// order, "(col, id) > (a, b)" (< when descending), with its two values;
// place renders each value's placeholder. ok is false without a cursor.
func KeysetAfter(q query.ListQuery, place func(any) string) (cond string, ok bool) {
	if q.After == nil {
		return "", false
	}
	value := any(q.After.Time)
	if q.SortBy == query.SortByName {
		value = q.After.NameKey
	}
	op := " > "
	if q.Desc {
		op = " < "
	}
	return "(" + SortColumn(q.SortBy) + ", id)" + op + "(" + place(value) + ", " + place(q.After.ID) + ")", true
}

// PageOfMatches is the page of q among the positions of every customer q
// matches, found outside SQL (a search read through its index's
// candidates): it sorts them in q's order, as OrderBy does — the sort
// key, then the id, by bytes as SQLite's BINARY and PostgreSQL's "C"
// collation compare — and takes q.Limit after q.After, or past q.Offset.
// next is the page's last position when more follow.
func PageOfMatches(matches []query.Position, q query.ListQuery) (page []query.Position, next *query.Position) {
	order := func(a, b query.Position) int {
		c := cmp.Compare(a.Time, b.Time)
		if q.SortBy == query.SortByName {
			c = strings.Compare(a.NameKey, b.NameKey)
		}
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		if q.Desc {
			return -c
		}
		return c
	}
	slices.SortFunc(matches, order)
	start := min(q.Offset, len(matches))
	if q.After != nil {
		// The first position after the cursor's: order never says equal
		// here, so the search lands between the two.
		start, _ = slices.BinarySearchFunc(matches, *q.After, func(p, after query.Position) int {
			if order(p, after) <= 0 {
				return -1
			}
			return 1
		})
	}
	page = matches[start:min(len(matches), start+q.Limit)]
	if len(page) > 0 && start+q.Limit < len(matches) {
		last := page[len(page)-1]
		next = &last
	}
	return page, next
}
