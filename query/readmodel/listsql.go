package readmodel

import "github.com/customersvc/customersvc/query"

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
