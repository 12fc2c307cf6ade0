package http

import (
	"encoding/json"
	"time"

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
	Page            int     `json:"page"`
	PageSize        int     `json:"page_size"`
	TotalCount      int     `json:"total_count"`
	TotalCountExact bool    `json:"total_count_exact"`
	TotalPages      int     `json:"total_pages"`
	HasNext         bool    `json:"has_next"`
	HasPrev         bool    `json:"has_prev"`
	NextCursor      *string `json:"next_cursor"` // null on the last page
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
	var next *string
	if p.NextCursor != "" {
		next = &p.NextCursor
	}
	return pageResponse{
		Customers: customers,
		Pagination: paginationResponse{
			Page: p.Page, PageSize: p.PageSize, TotalCount: p.TotalCount, TotalCountExact: p.TotalExact,
			TotalPages: p.TotalPages, HasNext: p.HasNext, HasPrev: p.HasPrev, NextCursor: next,
		},
	}
}
