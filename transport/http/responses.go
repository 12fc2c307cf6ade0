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
	var problems badRequestError
	for name, dst := range map[string]*int{"page": &q.Page, "page_size": &q.PageSize} {
		text := c.Query(name)
		if text == "" {
			continue
		}
		n, err := strconv.Atoi(text)
		if err != nil {
			problems = append(problems, fieldError{Key: name, Message: "must_be_integer", Value: echo(json.RawMessage(text))})
			continue
		}
		*dst = n
	}
	var invalid query.InvalidQueryError
	if err := q.Validate(); errors.As(err, &invalid) {
		for _, e := range invalid {
			if !problems.has(e.Parameter) {
				problems = append(problems, fieldError{Key: e.Parameter, Message: e.Code, Value: e.Value})
			}
		}
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b fieldError) int { return strings.Compare(a.Key, b.Key) })
		return query.ListCustomers{}, problems
	}
	return q, nil
}

func (e badRequestError) has(key string) bool {
	return slices.ContainsFunc(e, func(f fieldError) bool { return f.Key == key })
}
