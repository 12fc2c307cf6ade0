package http

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/customersvc/customersvc/command"
	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/projections/rebuild"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/transport/http/auth"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

var (
	errBodyTooLarge         = errors.New("request body too large")
	errUnsupportedMediaType = errors.New("unsupported media type")
)

// badRequestError lists the problems of a malformed request.
type badRequestError []fieldError

func (e badRequestError) Error() string { return "validation failed" }

// respondError is the one place that maps an error to a status and a body,
// for the public API and the admin API alike. An error it does not know is
// a 500 whose details go to the log only.
func respondError(c *gin.Context, logger *slog.Logger, err error) {
	c.Abort()
	var (
		violations domain.RuleViolations
		badQuery   query.InvalidQueryError
		badRequest badRequestError
		reused     command.IdempotencyKeyReusedError
	)
	switch {
	case errors.Is(err, auth.ErrInvalidToken):
		respond(c, http.StatusUnauthorized, "invalid token", emptyData)
	case errors.Is(err, domain.ErrForbidden):
		respond(c, http.StatusForbidden, "insufficient permissions", emptyData)
	case errors.As(err, &badRequest):
		respondValidation(c, http.StatusBadRequest, badRequest)
	case errors.As(err, &badQuery):
		respondValidation(c, http.StatusBadRequest, fromInvalidQuery(badQuery))
	case errors.As(err, &reused):
		respondValidation(c, http.StatusUnprocessableEntity, []fieldError{{Key: headerIdempotencyKey, Message: "idempotency_key_reused", Value: reused.Key}})
	case errors.As(err, &violations):
		respondValidation(c, http.StatusUnprocessableEntity, fromViolations(violations))
	case errors.Is(err, query.ErrNotFound):
		respond(c, http.StatusNotFound, "customer not found", emptyData)
	case errors.Is(err, natsx.ErrUnknownDeadLetter):
		respond(c, http.StatusNotFound, "dead letter not found", emptyData)
	case errors.Is(err, rebuild.ErrUnknownProjection):
		respond(c, http.StatusNotFound, "projection not found", emptyData)
	case errors.Is(err, rebuild.ErrRunning):
		respond(c, http.StatusConflict, "a rebuild is already running", emptyData)
	case errors.Is(err, errBodyTooLarge):
		respond(c, http.StatusRequestEntityTooLarge, "request body too large", emptyData)
	case errors.Is(err, errUnsupportedMediaType):
		respond(c, http.StatusUnsupportedMediaType, "unsupported media type: use application/json", emptyData)
	case errors.Is(err, eventstore.ErrUnavailable):
		// The store could not take it (a full disk stores nothing); the
		// client may send the same request again, safely so with an
		// Idempotency-Key.
		logger.Warn("event store unavailable", "method", c.Request.Method, "path", c.FullPath(),
			"request_id", c.GetString(requestIDKey), "error", err)
		c.Header("Retry-After", "5")
		respond(c, http.StatusServiceUnavailable, "service unavailable: the event store cannot take writes now; retry later", emptyData)
	case errors.Is(err, query.ErrReadModelUnavailable):
		logger.Warn("read model unavailable", "method", c.Request.Method, "path", c.FullPath(),
			"request_id", c.GetString(requestIDKey), "error", err)
		c.Header("Retry-After", "5")
		respond(c, http.StatusServiceUnavailable, "service unavailable: the read model is catching up or unreachable; retry later", emptyData)
	case c.Request.Context().Err() != nil:
		// The client went away; nobody reads this answer.
		respond(c, http.StatusServiceUnavailable, "request cancelled", emptyData)
	default:
		logger.Error("request failed", "method", c.Request.Method, "path", c.FullPath(),
			"request_id", c.GetString(requestIDKey), "error", err)
		respond(c, http.StatusInternalServerError, "internal server error", emptyData)
	}
}

func fromViolations(v domain.RuleViolations) []fieldError {
	out := make([]fieldError, len(v))
	for i, e := range v {
		out[i] = fieldError{Key: e.Field, Message: e.Code, Value: e.Value}
	}
	return out
}

func fromInvalidQuery(q query.InvalidQueryError) []fieldError {
	out := make([]fieldError, len(q))
	for i, e := range q {
		out[i] = fieldError{Key: e.Parameter, Message: e.Code, Value: e.Value}
	}
	return out
}
