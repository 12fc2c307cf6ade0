package http

import (
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/customersvc/customersvc/domain"
)

const (
	requestIDKey  = "request_id"
	principalKey  = "principal"
	headerRequest = "X-Request-Id"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestID takes the client's X-Request-Id when it is sane, or mints one,
// and echoes it; events record it as their correlation ID.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(headerRequest)
		if !validRequestID.MatchString(id) {
			id = uuid.NewString()
		}
		c.Set(requestIDKey, id)
		c.Header(headerRequest, id)
		c.Next()
	}
}

// recoverPanics answers a panic with the 500 envelope; the stack goes to
// the log, never to the client.
func recoverPanics(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logger.Error("panic serving request", "panic", p, "path", c.Request.URL.Path,
					"request_id", c.GetString(requestIDKey), "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					respondError(c, logger, errors.New("panic"))
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// TokenVerifier turns an Authorization header into the caller.
type TokenVerifier interface {
	Verify(authorizationHeader string) (domain.Principal, error)
}

// authenticate answers 401 unless the request carries a valid token.
func authenticate(v TokenVerifier, logger *slog.Logger) gin.HandlerFunc {
	return handle(logger, func(c *gin.Context) error {
		principal, err := v.Verify(c.GetHeader("Authorization"))
		if err != nil {
			return err
		}
		c.Set(principalKey, principal)
		return nil
	})
}

// authorize answers 403 unless rule, one of domain.Principal's May*
// methods, allows the caller. It runs before the body is read: the
// contract answers 403 before any problem of the body. This is the one
// place a request is authorized.
func authorize(rule func(domain.Principal) error, logger *slog.Logger) gin.HandlerFunc {
	return handle(logger, func(c *gin.Context) error { return rule(principalOf(c)) })
}

func principalOf(c *gin.Context) domain.Principal {
	p, _ := c.Get(principalKey)
	principal, _ := p.(domain.Principal)
	return principal
}

// handle adapts a handler that returns its error to Gin: an error goes
// through the one error table (respondError) and stops the chain.
func handle(logger *slog.Logger, h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			respondError(c, logger, err)
		}
	}
}
