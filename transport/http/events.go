package http

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
)

// ListCustomerEventsHandler answers GET /customers/{id}/events.
type ListCustomerEventsHandler interface {
	Handle(ctx context.Context, q query.ListCustomerEvents) (query.EventPage, error)
}

type eventResponse struct {
	Type           string        `json:"type"`
	SchemaVersion  int           `json:"schema_version"`
	StreamVersion  uint64        `json:"stream_version"`
	GlobalPosition uint64        `json:"global_position"`
	Time           time.Time     `json:"time"`
	Actor          actorResponse `json:"actor"`
	// Data is the event's JSON in its current schema (SchemaVersion),
	// whatever version was stored.
	Data domain.Event `json:"data"`
}

type actorResponse struct {
	UserID         string `json:"user_id"`
	OrganizationID string `json:"organization_id"`
}

type eventPageResponse struct {
	Events     []eventResponse         `json:"events"`
	Pagination eventPaginationResponse `json:"pagination"`
}

type eventPaginationResponse struct {
	FromVersion int `json:"from_version"`
	Limit       int `json:"limit"`
	// NextFromVersion is null on the last page.
	NextFromVersion *int `json:"next_from_version"`
}

func (a *customersAPI) listCustomerEvents(c *gin.Context) error {
	q, err := toEventsQuery(c)
	if err != nil {
		return err
	}
	page, err := a.events.Handle(c.Request.Context(), q)
	if err != nil {
		return err
	}
	respond(c, http.StatusOK, "customer events retrieved successfully", toEventPageResponse(page))
	return nil
}

func toEventPageResponse(p query.EventPage) eventPageResponse {
	events := make([]eventResponse, len(p.Events))
	for i, e := range p.Events {
		events[i] = eventResponse{
			Type:           e.Event.EventType(),
			SchemaVersion:  e.Event.SchemaVersion(),
			StreamVersion:  e.StreamVersion,
			GlobalPosition: e.GlobalPosition,
			Time:           e.RecordedAt.UTC(),
			Actor:          actorResponse{UserID: e.RecordedBy.UserID, OrganizationID: e.RecordedBy.OrganizationID},
			Data:           e.Event,
		}
	}
	pagination := eventPaginationResponse{FromVersion: p.FromVersion, Limit: p.Limit}
	if p.HasNext {
		next := p.NextFromVersion
		pagination.NextFromVersion = &next
	}
	return eventPageResponse{Events: events, Pagination: pagination}
}
