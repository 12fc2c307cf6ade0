package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/customersvc/customersvc/domain"
)

// Sorting and paging limits of ListCustomers.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	MaxSearchLength = 200
	MaxPage         = 1_000_000_000
)

// Sort keys and directions.
const (
	SortByName      = "name"
	SortByCreatedAt = "created_at"
	SortByUpdatedAt = "updated_at"
	SortAsc         = "asc"
	SortDesc        = "desc"
)

// ListCustomers asks for one page of the customers the viewer may see.
type ListCustomers struct {
	Viewer        domain.Principal
	Page          int // from 1
	PageSize      int
	Search        string // matches name, description and VAT, case-insensitively
	SortBy        string
	SortDirection string
	// Cursor, when not empty, is a page's NextCursor: the list goes on
	// after that page's last customer, whatever was added or removed
	// since. It replaces Page, which must then be 1 (or left out).
	Cursor string
}

// ListQuery is what the read model is asked for: the scope resolved, and
// the page turned into an offset or a position to start after.
type ListQuery struct {
	Scope  domain.Scope
	Search string // lower case
	SortBy string
	Desc   bool
	// After, when not nil, starts the page after this position in the
	// sort order (keyset paging); Offset is then 0.
	After  *Position
	Offset int
	Limit  int
}

// Page is one page of customers.
type Page struct {
	Customers  []Customer
	Page       int
	PageSize   int
	TotalCount int
	TotalPages int
	// TotalExact says whether TotalCount is exact; see CustomerList.
	TotalExact bool
	HasNext    bool
	HasPrev    bool
	// NextCursor continues the list after this page ("" on the last page).
	NextCursor string
}

// InvalidParameterError is one bad parameter of a query.
type InvalidParameterError struct {
	Parameter string
	Code      string
	Value     string
}

func (e InvalidParameterError) Error() string { return e.Parameter + ": " + e.Code }

// InvalidQueryError lists every bad parameter of a query.
type InvalidQueryError []InvalidParameterError

func (e InvalidQueryError) Error() string {
	parts := make([]string, len(e))
	for i, p := range e {
		parts[i] = p.Error()
	}
	return "invalid query: " + strings.Join(parts, "; ")
}

// WithDefaults fills the parameters the client left out.
func (q ListCustomers) WithDefaults() ListCustomers {
	if q.Page == 0 {
		q.Page = 1
	}
	if q.PageSize == 0 {
		q.PageSize = DefaultPageSize
	}
	if q.SortBy == "" {
		q.SortBy = SortByCreatedAt
	}
	if q.SortDirection == "" {
		q.SortDirection = SortDesc
	}
	return q
}

// Validate returns an InvalidQueryError naming every bad parameter.
func (q ListCustomers) Validate() error {
	var problems InvalidQueryError
	bad := func(param, code, value string) {
		problems = append(problems, InvalidParameterError{Parameter: param, Code: code, Value: value})
	}
	if q.Page < 1 {
		bad("page", "min", strconv.Itoa(q.Page))
	} else if q.Page > MaxPage {
		bad("page", "max", strconv.Itoa(q.Page))
	}
	if q.PageSize < 1 {
		bad("page_size", "min", strconv.Itoa(q.PageSize))
	} else if q.PageSize > MaxPageSize {
		bad("page_size", "max", strconv.Itoa(q.PageSize))
	}
	if len([]rune(q.Search)) > MaxSearchLength {
		bad("search", "too_long", q.Search)
	}
	switch q.SortBy {
	case SortByName, SortByCreatedAt, SortByUpdatedAt:
	default:
		bad("sort_by", "oneof", q.SortBy)
	}
	switch q.SortDirection {
	case SortAsc, SortDesc:
	default:
		bad("sort_direction", "oneof", q.SortDirection)
	}
	if q.Cursor != "" && q.Page > 1 {
		bad("cursor", CodeCursorWithPage, q.Cursor)
	}
	if len(problems) > 0 {
		return problems
	}
	return nil
}

// Codes of the problems with a cursor.
const (
	// CodeInvalidCursor: malformed, tampered with, or made for another
	// list (scope, search, sort or direction).
	CodeInvalidCursor = "invalid_cursor"
	// CodeCursorWithPage: a cursor with a page other than 1.
	CodeCursorWithPage = "not_with_page"
)

// ListCustomersHandler answers ListCustomers from the read model, which
// lags the event store by the projection's delay.
type ListCustomersHandler struct {
	readModel ReadModel
	cursors   cursors
}

// NewListCustomersHandler returns a handler reading readModel, which signs
// its cursors with cursorKey (DeriveCursorKey, or RandomCursorKey; at
// least CursorKeySize bytes).
func NewListCustomersHandler(readModel ReadModel, cursorKey []byte) (*ListCustomersHandler, error) {
	if readModel == nil {
		return nil, errors.New("query: nil read model")
	}
	if len(cursorKey) < CursorKeySize {
		return nil, fmt.Errorf("query: cursor key of %d bytes, want at least %d", len(cursorKey), CursorKeySize)
	}
	return &ListCustomersHandler{readModel: readModel, cursors: cursors{key: slices.Clone(cursorKey)}}, nil
}

// Handle returns the requested page; a viewer outside the hierarchy sees an
// empty list. A cursor that is not one of this handler's for the same
// list is an InvalidQueryError.
func (h *ListCustomersHandler) Handle(ctx context.Context, q ListCustomers) (Page, error) {
	q = q.WithDefaults()
	if err := q.Validate(); err != nil {
		return Page{}, err
	}
	scope, ok := q.Viewer.Scope()
	lq, bound, number, err := h.toListQuery(q, scope)
	if err != nil {
		return Page{}, err
	}
	page := Page{Customers: []Customer{}, Page: number, PageSize: q.PageSize, TotalExact: true}
	if !ok {
		return page, nil
	}
	list, err := h.readModel.Customers(ctx, lq)
	if err != nil {
		return Page{}, err
	}
	page.Customers = list.Customers
	page.TotalCount, page.TotalExact = list.Total, list.TotalExact
	page.TotalPages = (list.Total + q.PageSize - 1) / q.PageSize
	page.HasNext = list.Next != nil
	page.HasPrev = number > 1
	if list.Next != nil {
		bound.Time, bound.NameKey, bound.ID, bound.Page = list.Next.Time, list.Next.NameKey, list.Next.ID, number+1
		page.NextCursor = h.cursors.seal(bound)
	}
	return page, nil
}

// toListQuery resolves q for the read model: the search as stored, the
// page as an offset or, with a cursor, as the position it carries. It
// returns too what binds a cursor to this list, and the page's number.
func (h *ListCustomersHandler) toListQuery(q ListCustomers, scope domain.Scope) (ListQuery, cursor, int, error) {
	lq := ListQuery{
		Scope:  scope,
		Search: strings.ToLower(strings.TrimSpace(q.Search)),
		SortBy: q.SortBy,
		Desc:   q.SortDirection == SortDesc,
		Offset: (q.Page - 1) * q.PageSize,
		Limit:  q.PageSize,
	}
	bound := cursor{SortBy: lq.SortBy, Desc: lq.Desc, List: listBinding(scope, lq.Search)}
	if q.Cursor == "" {
		return lq, bound, q.Page, nil
	}
	c, err := h.cursors.open(q.Cursor, bound)
	if err != nil {
		// Echoed as sent, but never more than a cursor can be.
		value := q.Cursor[:min(len(q.Cursor), maxCursorLength)]
		return ListQuery{}, cursor{}, 0, InvalidQueryError{{Parameter: "cursor", Code: CodeInvalidCursor, Value: value}}
	}
	after := c.position()
	lq.After, lq.Offset = &after, 0
	return lq, bound, c.Page, nil
}
