package http

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/customersvc/customersvc/query"
)

// The query parameters of the read routes become queries here; like the
// body of a create, every bad parameter is reported at once.

// toGetQuery reads the customer's ID and as_of, an RFC 3339 time; an empty
// as_of is the same as none.
func toGetQuery(c *gin.Context) (query.GetCustomer, error) {
	q := query.GetCustomer{Viewer: principalOf(c), ID: c.Param("id")}
	if text := c.Query("as_of"); text != "" {
		asOf, err := time.Parse(time.RFC3339, text)
		if err != nil {
			return query.GetCustomer{}, badRequestError{{Key: "as_of", Message: codeMustBeTime, Value: echo(json.RawMessage(text))}}
		}
		q.AsOf = asOf
	}
	return q, nil
}

// toListQuery reads the list parameters over the defaults and reports
// every bad one at once.
func toListQuery(c *gin.Context) (query.ListCustomers, error) {
	q := query.ListCustomers{Viewer: principalOf(c)}.WithDefaults()
	q.Search = c.Query("search")
	q.Cursor = c.Query("cursor")
	if v := c.Query("sort_by"); v != "" {
		q.SortBy = v
	}
	if v := c.Query("sort_direction"); v != "" {
		q.SortDirection = v
	}
	problems := readIntParams(c, map[string]*int{"page": &q.Page, "page_size": &q.PageSize})
	if err := withInvalid(problems, q.Validate()); err != nil {
		return query.ListCustomers{}, err
	}
	return q, nil
}

// toEventsQuery reads the paging parameters over the defaults and reports
// every bad one at once.
func toEventsQuery(c *gin.Context) (query.ListCustomerEvents, error) {
	q := query.ListCustomerEvents{Viewer: principalOf(c), ID: c.Param("id")}.WithDefaults()
	problems := readIntParams(c, map[string]*int{"from_version": &q.FromVersion, "limit": &q.Limit})
	if err := withInvalid(problems, q.Validate()); err != nil {
		return query.ListCustomerEvents{}, err
	}
	return q, nil
}

// Codes of 400 problems with query parameters, beside those Validate
// reports (min, max, oneof, too_long).
const (
	codeMustBeInteger = "must_be_integer"
	codeMustBeTime    = "must_be_rfc3339_time"
)

// readIntParams parses each integer parameter present into its destination
// and reports those that are not integers.
func readIntParams(c *gin.Context, params map[string]*int) badRequestError {
	var problems badRequestError
	for name, dst := range params {
		text := c.Query(name)
		if text == "" {
			continue
		}
		n, err := strconv.Atoi(text)
		if err != nil {
			problems = append(problems, fieldError{Key: name, Message: codeMustBeInteger, Value: echo(json.RawMessage(text))})
			continue
		}
		*dst = n
	}
	return problems
}

// withInvalid adds to problems those of a failed Validate about other
// parameters, and returns them sorted by key, or nil when there are none.
func withInvalid(problems badRequestError, validateErr error) error {
	var invalid query.InvalidQueryError
	if errors.As(validateErr, &invalid) {
		for _, e := range invalid {
			if !problems.has(e.Parameter) {
				problems = append(problems, fieldError{Key: e.Parameter, Message: e.Code, Value: e.Value})
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	slices.SortStableFunc(problems, func(a, b fieldError) int { return strings.Compare(a.Key, b.Key) })
	return problems
}

func (e badRequestError) has(key string) bool {
	return slices.ContainsFunc(e, func(f fieldError) bool { return f.Key == key })
}
