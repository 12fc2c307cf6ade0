package http

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/customersvc/customersvc/command"
	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
)

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
	// basePath prefixes the Location header of a new customer.
	basePath string
}

// createCustomer: the request becomes a CreateCustomer command
// (create_request.go), the command side handles it, and the customer it
// recorded is the answer.
func (a *customersAPI) createCustomer(c *gin.Context) error {
	cmd, err := toCreateCommand(c)
	if err != nil {
		return err
	}
	created, err := a.create.Handle(c.Request.Context(), cmd)
	if err != nil {
		return err
	}
	customer, _ := query.Fold([]domain.Event{created.CustomerCreated})
	c.Header("Location", a.basePath+"/"+customer.ID)
	if created.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	respond(c, http.StatusCreated, "customer created successfully", toResponse(customer))
	return nil
}

func (a *customersAPI) getCustomer(c *gin.Context) error {
	q, err := toGetQuery(c)
	if err != nil {
		return err
	}
	customer, err := a.get.Handle(c.Request.Context(), q)
	if err != nil {
		return err
	}
	respond(c, http.StatusOK, "customer retrieved successfully", toResponse(customer))
	return nil
}

func (a *customersAPI) listCustomers(c *gin.Context) error {
	q, err := toListQuery(c)
	if err != nil {
		return err
	}
	page, err := a.list.Handle(c.Request.Context(), q)
	if err != nil {
		return err
	}
	respond(c, http.StatusOK, "customers retrieved successfully", toPageResponse(page))
	return nil
}
