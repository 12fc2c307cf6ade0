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

type customerResponse struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	CustomData  json.RawMessage  `json:"custom_data"`
	Branding    brandingResponse `json:"branding"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

type brandingResponse struct {
	LogoURL     string `json:"logo_url"`
	DarkLogoURL string `json:"dark_logo_url"`
}

type pageResponse struct {
	Customers  []customerResponse `json:"customers"`
	Pagination paginationResponse `json:"pagination"`
}

type paginationResponse struct {
	Page       int  `json:"page"`
	PageSize   int  `json:"page_size"`
	TotalCount int  `json:"total_count"`
	TotalPages int  `json:"total_pages"`
	HasNext    bool `json:"has_next"`
	HasPrev    bool `json:"has_prev"`
}

func toResponse(c query.Customer) customerResponse {
	customData := c.CustomData
	if len(customData) == 0 {
		customData = json.RawMessage(`{}`)
	}
	return customerResponse{
		ID:          c.ID,
		Name:        c.Name,
		Description: c.Description,
		CustomData:  customData,
		Branding:    brandingResponse{LogoURL: c.Branding.LogoURL, DarkLogoURL: c.Branding.DarkLogoURL},
		CreatedAt:   c.CreatedAt,
		UpdatedAt:   c.UpdatedAt,
	}
}

func toPageResponse(p query.Page) pageResponse {
	customers := make([]customerResponse, len(p.Customers))
	for i, c := range p.Customers {
		customers[i] = toResponse(c)
	}
	return pageResponse{
		Customers: customers,
		Pagination: paginationResponse{
			Page: p.Page, PageSize: p.PageSize, TotalCount: p.TotalCount,
			TotalPages: p.TotalPages, HasNext: p.HasNext, HasPrev: p.HasPrev,
		},
	}
}

// toGetQuery reads the customer's ID and as_of, an RFC 3339 time; an empty
// as_of is the same as none.
func toGetQuery(c *gin.Context, viewer query.Viewer) (query.GetCustomer, error) {
	q := query.GetCustomer{Viewer: viewer, ID: c.Param("id")}
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
func toListQuery(c *gin.Context, viewer query.Viewer) (query.ListCustomers, error) {
	q := query.ListCustomers{Viewer: viewer}.WithDefaults()
	q.Search = c.Query("search")
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
