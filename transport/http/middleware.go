package http

import (
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command"
)

const (
	requestIDKey  = "request_id"
	actorKey      = "actor"
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
	Verify(authorizationHeader string) (command.Actor, error)
}

// authenticate answers 401 unless the request carries a valid token.
func authenticate(v TokenVerifier, logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		actor, err := v.Verify(c.GetHeader("Authorization"))
		if err != nil {
			respondError(c, logger, err)
			return
		}
		c.Set(actorKey, actor)
		c.Next()
	}
}

// authorize answers 403 unless rule allows the caller.
func authorize(rule func(command.Actor) error, logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := rule(actorOf(c)); err != nil {
			respondError(c, logger, err)
			return
		}
		c.Next()
	}
}

func actorOf(c *gin.Context) command.Actor {
	a, _ := c.Get(actorKey)
	actor, _ := a.(command.Actor)
	return actor
}
