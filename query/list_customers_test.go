package query_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/customersvc/customersvc/query"
)

// pagedReadModel answers every list with one customer and a next
// position, and records the query it was asked.
type pagedReadModel struct{ asked *query.ListQuery }

func (m pagedReadModel) Customer(context.Context, string) (query.Customer, error) {
	return query.Customer{}, query.ErrNotFound
}

func (m pagedReadModel) Customers(_ context.Context, q query.ListQuery) (query.CustomerList, error) {
	*m.asked = q
	return query.CustomerList{Customers: []query.Customer{{ID: "c-1"}}, Total: 50, TotalExact: true,
		Next: &query.Position{NameKey: "ärzte", ID: "c-1"}}, nil
}

func TestListCursors(t *testing.T) {
	t.Parallel()
	var asked query.ListQuery
	key := bytes.Repeat([]byte{7}, query.CursorKeySize)
	h, err := query.NewListCustomersHandler(pagedReadModel{&asked}, key)
	if err != nil {
		t.Fatal(err)
	}
	first, err := h.Handle(t.Context(), query.ListCustomers{Viewer: reseller, Page: 3, SortBy: query.SortByName, Search: " Ärzte "})
	if err != nil || first.NextCursor == "" || !first.HasNext || first.Page != 3 {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	next, err := h.Handle(t.Context(), query.ListCustomers{Viewer: reseller, Cursor: first.NextCursor, SortBy: query.SortByName, Search: "ärzte"})
	if err != nil || next.Page != 4 || !next.HasPrev {
		t.Fatalf("next page: %+v, %v", next, err)
	}
	if asked.After == nil || *asked.After != (query.Position{NameKey: "ärzte", ID: "c-1"}) || asked.Offset != 0 {
		t.Fatalf("asked %+v", asked)
	}

	other, err := query.NewListCustomersHandler(pagedReadModel{&asked}, bytes.Repeat([]byte{8}, query.CursorKeySize))
	if err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct {
		h *query.ListCustomersHandler
		q query.ListCustomers
	}{
		"another key":      {other, query.ListCustomers{Viewer: reseller, SortBy: query.SortByName, Search: "ärzte"}},
		"another reseller": {h, query.ListCustomers{Viewer: otherReseller, SortBy: query.SortByName, Search: "ärzte"}},
		"the owner":        {h, query.ListCustomers{Viewer: owner, SortBy: query.SortByName, Search: "ärzte"}},
		"another search":   {h, query.ListCustomers{Viewer: reseller, SortBy: query.SortByName, Search: "ärzt"}},
		"ascending":        {h, query.ListCustomers{Viewer: reseller, SortBy: query.SortByName, SortDirection: query.SortAsc, Search: "ärzte"}},
		"by creation":      {h, query.ListCustomers{Viewer: reseller, Search: "ärzte"}},
		"with page 2":      {h, query.ListCustomers{Viewer: reseller, Page: 2, SortBy: query.SortByName, Search: "ärzte"}},
	} {
		tt.q.Cursor = first.NextCursor
		_, err := tt.h.Handle(t.Context(), tt.q)
		var invalid query.InvalidQueryError
		if !errors.As(err, &invalid) || len(invalid) != 1 || invalid[0].Parameter != "cursor" {
			t.Errorf("%s: %v, want an invalid cursor", name, err)
		}
	}
	if _, err := query.NewListCustomersHandler(pagedReadModel{&asked}, key[:16]); err == nil {
		t.Error("a 16-byte cursor key was taken")
	}
}
