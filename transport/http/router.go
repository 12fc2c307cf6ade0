package http

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/customersvc/customersvc/domain"
)

// Deps is what the API needs.
type Deps struct {
	Verifier       TokenVerifier
	CreateCustomer CreateCustomerHandler
	GetCustomer    GetCustomerHandler
	ListCustomers  ListCustomersHandler
	// ListCustomerEvents serves GET /customers/{id}/events. It is optional:
	// without it that route is unknown (404).
	ListCustomerEvents ListCustomerEventsHandler
	// Checks are the readiness checks by part name (event_store, broker,
	// read_model): an error fails readiness (503) unless the check is
	// Degradable; wrapping ErrCatchingUp says "catching_up" for "down".
	Checks map[string]func(context.Context) error
	Logger *slog.Logger
}

// Validate returns every missing dependency.
func (d Deps) Validate() error {
	var errs []error
	if d.Verifier == nil {
		errs = append(errs, errors.New("http: nil token verifier"))
	}
	if d.CreateCustomer == nil || d.GetCustomer == nil || d.ListCustomers == nil {
		errs = append(errs, errors.New("http: nil customer handler"))
	}
	return errors.Join(errs...)
}

// NewHandler returns the service's HTTP handler. The customer routes are
// served at /customers and, for clients whose base URL ends in /api, at
// /api/customers.
func NewHandler(d Deps) (http.Handler, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	r := newEngine(d.Logger)
	health := newHealthAPI(d.Checks, d.Logger)
	r.GET("/livez", health.live)
	r.GET("/readyz", health.ready)

	creates := authorize(domain.Principal.MayCreateCustomers, d.Logger)
	reads := authorize(domain.Principal.MayReadCustomers, d.Logger)
	for _, base := range []string{"/customers", "/api/customers"} {
		api := &customersAPI{create: d.CreateCustomer, get: d.GetCustomer, list: d.ListCustomers,
			events: d.ListCustomerEvents, basePath: base}
		g := r.Group(base, authenticate(d.Verifier, d.Logger))
		g.POST("", creates, handle(d.Logger, api.createCustomer))
		g.GET("", reads, handle(d.Logger, api.listCustomers))
		g.GET("/:id", reads, handle(d.Logger, api.getCustomer))
		if api.events != nil {
			g.GET("/:id/events", reads, handle(d.Logger, api.listCustomerEvents))
		}
	}
	return r, nil
}

// newEngine is a Gin engine answering in the envelope: request IDs, panics
// as 500s, and 404/405 for what has no route.
func newEngine(logger *slog.Logger) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.Use(requestID(), recoverPanics(logger))
	r.NoRoute(func(c *gin.Context) { respond(c, http.StatusNotFound, "not found", emptyData) })
	r.NoMethod(func(c *gin.Context) { respond(c, http.StatusMethodNotAllowed, "method not allowed", emptyData) })
	return r
}
