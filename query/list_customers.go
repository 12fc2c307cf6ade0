package query

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/customersvc/customersvc/domain"
)

// Sorting and paging limits of ListCustomers.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	MaxSearchLength = 255
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
}

// ListQuery is what the read model is asked for: the scope resolved and the
// page turned into an offset.
type ListQuery struct {
	Scope  domain.Scope
	Search string // lower case
	SortBy string
	Desc   bool
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
	HasNext    bool
	HasPrev    bool
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
	if len(problems) > 0 {
		return problems
	}
	return nil
}

// ListCustomersHandler answers ListCustomers from the read model, which
// lags the event store by the projection's delay.
type ListCustomersHandler struct {
	readModel ReadModel
}

// NewListCustomersHandler returns a handler reading readModel.
func NewListCustomersHandler(readModel ReadModel) (*ListCustomersHandler, error) {
	if readModel == nil {
		return nil, errors.New("query: nil read model")
	}
	return &ListCustomersHandler{readModel: readModel}, nil
}

// Handle returns the requested page; a viewer outside the hierarchy sees an
// empty list.
func (h *ListCustomersHandler) Handle(ctx context.Context, q ListCustomers) (Page, error) {
	q = q.WithDefaults()
	if err := q.Validate(); err != nil {
		return Page{}, err
	}
	page := Page{Customers: []Customer{}, Page: q.Page, PageSize: q.PageSize}
	scope, ok := q.Viewer.Scope()
	if !ok {
		return page, nil
	}
	customers, total, err := h.readModel.Customers(ctx, ListQuery{
		Scope:  scope,
		Search: strings.ToLower(strings.TrimSpace(q.Search)),
		SortBy: q.SortBy,
		Desc:   q.SortDirection == SortDesc,
		Offset: (q.Page - 1) * q.PageSize,
		Limit:  q.PageSize,
	})
	if err != nil {
		return Page{}, err
	}
	page.Customers = customers
	page.TotalCount = total
	page.TotalPages = (total + q.PageSize - 1) / q.PageSize
	page.HasNext = q.Page < page.TotalPages
	page.HasPrev = q.Page > 1
	return page, nil
}
