package main

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/transport/http/auth"
)

// NewHandler serves the customer routes the load generator uses, with
// customersvc's envelope, status codes and token rules.
func NewHandler(store *Store, secret []byte) (http.Handler, error) {
	verifier, err := auth.NewVerifier(auth.Config{HS256Secret: secret})
	if err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.GET("/livez", func(c *gin.Context) { respond(c, http.StatusOK, "ok", struct{}{}) })
	r.GET("/readyz", func(c *gin.Context) { respond(c, http.StatusOK, "ok", struct{}{}) })
	h := handlers{store: store}
	g := r.Group("/customers", authenticate(verifier))
	g.POST("", h.create)
	g.GET("/:id", h.get)
	g.GET("", h.list)
	return r, nil
}

type handlers struct{ store *Store }

// authenticate puts the token's principal on the request, or answers 401.
func authenticate(v *auth.Verifier) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := v.Verify(c.GetHeader("Authorization"))
		if err != nil {
			c.Abort()
			respond(c, http.StatusUnauthorized, "invalid token", struct{}{})
			return
		}
		c.Set("principal", p)
	}
}

func principal(c *gin.Context) domain.Principal {
	p, _ := c.MustGet("principal").(domain.Principal)
	return p
}

func (h handlers) create(c *gin.Context) {
	p := principal(c)
	if p.MayCreateCustomers() != nil {
		respond(c, http.StatusForbidden, "insufficient permissions", struct{}{})
		return
	}
	req, problems, status := decodeCreate(c)
	if len(problems) > 0 {
		respondValidation(c, status, problems)
		return
	}
	now := time.Now().UTC()
	cust := Customer{
		ID: uuid.Must(uuid.NewV7()).String(), ParentOrganizationID: p.OrganizationID,
		Name: req.Name, Description: req.Description, CustomData: req.CustomData, VAT: req.VAT.VAT,
		CreatedAt: now, UpdatedAt: now,
	}
	err := h.store.Insert(c, cust)
	switch {
	case errors.Is(err, ErrVATTaken):
		respondValidation(c, http.StatusUnprocessableEntity, []fieldError{{Key: "custom_data.vat", Message: "already_exists", Value: req.VAT.VAT}})
	case err != nil:
		fail(c, err)
	default:
		c.Header("Location", "/customers/"+cust.ID)
		respond(c, http.StatusCreated, "customer created", toResponse(cust))
	}
}

func (h handlers) get(c *gin.Context) {
	p := principal(c)
	scope, ok := p.Scope()
	if p.MayReadCustomers() != nil || !ok {
		respond(c, http.StatusForbidden, "insufficient permissions", struct{}{})
		return
	}
	id := c.Param("id")
	if uuid.Validate(id) != nil {
		respond(c, http.StatusNotFound, "customer not found", struct{}{})
		return
	}
	cust, err := h.store.Get(c, scope, id)
	switch {
	case errors.Is(err, ErrNotFound):
		respond(c, http.StatusNotFound, "customer not found", struct{}{})
	case err != nil:
		fail(c, err)
	default:
		respond(c, http.StatusOK, "ok", toResponse(cust))
	}
}

func (h handlers) list(c *gin.Context) {
	p := principal(c)
	scope, ok := p.Scope()
	if p.MayReadCustomers() != nil || !ok {
		respond(c, http.StatusForbidden, "insufficient permissions", struct{}{})
		return
	}
	q, problems := toListQuery(c, scope)
	if len(problems) > 0 {
		respondValidation(c, http.StatusBadRequest, problems)
		return
	}
	customers, total, err := h.store.List(c, q)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]customerResponse, len(customers))
	for i, cust := range customers {
		out[i] = toResponse(cust)
	}
	pages := (total + q.PageSize - 1) / q.PageSize
	respond(c, http.StatusOK, "ok", gin.H{"customers": out, "pagination": gin.H{
		"page": q.Page, "page_size": q.PageSize, "total_count": total, "total_pages": pages,
		"has_next": q.Page < pages, "has_prev": q.Page > 1,
	}})
}

// toListQuery reads the list parameters over customersvc's defaults and
// reports every bad one.
func toListQuery(c *gin.Context, scope domain.Scope) (ListQuery, []fieldError) {
	q := ListQuery{Scope: scope, Page: 1, PageSize: 20, SortBy: "created_at", SortDirection: "desc", Search: strings.TrimSpace(c.Query("search"))}
	var problems []fieldError
	intParam := func(name string, dst *int, lo, hi int) {
		text := c.Query(name)
		if text == "" {
			return
		}
		n, err := strconv.Atoi(text)
		switch {
		case err != nil:
			problems = append(problems, fieldError{Key: name, Message: "must_be_integer", Value: text})
		case n < lo:
			problems = append(problems, fieldError{Key: name, Message: "min", Value: text})
		case n > hi:
			problems = append(problems, fieldError{Key: name, Message: "max", Value: text})
		default:
			*dst = n
		}
	}
	intParam("page", &q.Page, 1, 1_000_000)
	intParam("page_size", &q.PageSize, 1, 100)
	oneOf := func(name string, dst *string, allowed ...string) {
		if v := c.Query(name); v != "" {
			if !contains(allowed, v) {
				problems = append(problems, fieldError{Key: name, Message: "oneof", Value: v})
			}
			*dst = v
		}
	}
	oneOf("sort_by", &q.SortBy, "name", "created_at", "updated_at")
	oneOf("sort_direction", &q.SortDirection, "asc", "desc")
	if len([]rune(q.Search)) > 255 {
		problems = append(problems, fieldError{Key: "search", Message: "too_long", Value: q.Search})
	}
	return q, problems
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func fail(c *gin.Context, err error) {
	slog.Error("crudpeer: request failed", "path", c.Request.URL.Path, "error", err)
	respond(c, http.StatusInternalServerError, "internal server error", struct{}{})
}

type envelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
}

type fieldError struct {
	Key     string `json:"key"`
	Message string `json:"message"`
	Value   string `json:"value"`
}

func respond(c *gin.Context, status int, message string, data any) {
	body, err := json.Marshal(envelope{Code: status, Message: message, Data: data})
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"code":500,"message":"internal server error","data":{}}`)
	}
	c.Data(status, "application/json; charset=utf-8", body)
}

func respondValidation(c *gin.Context, status int, errs []fieldError) {
	respond(c, status, "validation failed", gin.H{"type": "validation_error", "errors": errs})
}

type customerResponse struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	CustomData  json.RawMessage   `json:"custom_data"`
	Branding    map[string]string `json:"branding"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// toResponse gives customersvc's data shape; the peer has no branding
// configuration, so its URLs are empty.
func toResponse(c Customer) customerResponse {
	return customerResponse{
		ID: c.ID, Name: c.Name, Description: c.Description, CustomData: c.CustomData,
		Branding:  map[string]string{"logo_url": "", "dark_logo_url": ""},
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
}
