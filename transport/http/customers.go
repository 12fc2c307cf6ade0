package http

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/customersvc/customersvc/command"
	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
)

// MaxBodyBytes is the largest request body accepted.
const MaxBodyBytes = 1 << 20

// CreateCustomerHandler is the command side the API calls.
type CreateCustomerHandler interface {
	Handle(ctx context.Context, cmd command.CreateCustomer) (command.CreatedCustomer, error)
}

// GetCustomerHandler answers GET /customers/{id}.
type GetCustomerHandler interface {
	Handle(ctx context.Context, q query.GetCustomer) (query.Customer, error)
}

// ListCustomersHandler answers GET /customers.
type ListCustomersHandler interface {
	Handle(ctx context.Context, q query.ListCustomers) (query.Page, error)
}

type customersAPI struct {
	create CreateCustomerHandler
	get    GetCustomerHandler
	list   ListCustomersHandler
	events ListCustomerEventsHandler // nil: the events route is not served
	logger *slog.Logger
	// basePath prefixes the Location header of a new customer.
	basePath string
}

func (a *customersAPI) createCustomer(c *gin.Context) {
	body, err := readJSONBody(c)
	if err != nil {
		respondError(c, a.logger, err)
		return
	}
	req, err := decodeCreateRequest(body, c.GetHeader(headerIdempotencyKey))
	if err != nil {
		respondError(c, a.logger, err)
		return
	}
	created, err := a.create.Handle(c.Request.Context(), toCommand(req, actorOf(c), c.GetString(requestIDKey)))
	if err != nil {
		respondError(c, a.logger, err)
		return
	}
	customer, _ := query.Fold([]domain.Event{created.CustomerCreated})
	c.Header("Location", a.basePath+"/"+customer.ID)
	if created.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	respond(c, http.StatusCreated, "customer created successfully", toResponse(customer))
}

func toCommand(req createRequest, actor command.Actor, requestID string) command.CreateCustomer {
	return command.CreateCustomer{
		Actor:          actor,
		Name:           req.Name,
		Description:    req.Description,
		CustomData:     req.CustomData,
		VAT:            req.VAT,
		RequestID:      requestID,
		IdempotencyKey: req.IdempotencyKey,
	}
}

// readJSONBody enforces the media type and the size limit.
func readJSONBody(c *gin.Context) ([]byte, error) {
	if ct := c.GetHeader("Content-Type"); ct != "" && !isJSON(ct) {
		return nil, errUnsupportedMediaType
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, errBodyTooLarge
	}
	if err != nil {
		return nil, badRequestError{{Key: keyBody, Message: codeInvalidJSON}}
	}
	return body, nil
}

func isJSON(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

func (a *customersAPI) getCustomer(c *gin.Context) {
	q, err := toGetQuery(c, viewerOf(c))
	if err != nil {
		respondError(c, a.logger, err)
		return
	}
	customer, err := a.get.Handle(c.Request.Context(), q)
	if err != nil {
		respondError(c, a.logger, err)
		return
	}
	respond(c, http.StatusOK, "customer retrieved successfully", toResponse(customer))
}

func (a *customersAPI) listCustomers(c *gin.Context) {
	q, err := toListQuery(c, viewerOf(c))
	if err != nil {
		respondError(c, a.logger, err)
		return
	}
	page, err := a.list.Handle(c.Request.Context(), q)
	if err != nil {
		respondError(c, a.logger, err)
		return
	}
	respond(c, http.StatusOK, "customers retrieved successfully", toPageResponse(page))
}

func viewerOf(c *gin.Context) query.Viewer {
	actor := actorOf(c)
	return query.Viewer{OrganizationID: actor.OrganizationID, Role: command.NormalizeRole(actor.OrgRole)}
}
