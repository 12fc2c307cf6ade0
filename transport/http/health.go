package http

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// The states /readyz gives each part: coarse on purpose, since anyone may
// ask; what went wrong goes to the log.
const (
	stateUp         = "up"
	stateDown       = "down"        // the replica cannot serve: 503
	stateCatchingUp = "catching_up" // the read model has not applied what was there at start: 503
	stateDegraded   = "degraded"    // it serves, with a delay somewhere: 200
)

// ErrCatchingUp marks a readiness check's error as catching up rather
// than down (both fail readiness).
var ErrCatchingUp = errors.New("catching up")

// degradedError is the error of a Degradable check.
type degradedError struct{ err error }

func (e degradedError) Error() string { return e.err.Error() }
func (e degradedError) Unwrap() error { return e.err }

// Degradable makes a readiness check whose failure does not fail
// readiness: /readyz names the part as degraded and still answers 200, for
// a part without which the replica still serves its API (the broker: a
// create is stored in the event store and relayed once NATS is back, and
// reads answer from the read model, only later than usual). Failing
// readiness for it would take every replica out of rotation at once,
// since they share the broker.
func Degradable(check func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := check(ctx); err != nil {
			return degradedError{err}
		}
		return nil
	}
}

type healthAPI struct {
	checks map[string]func(context.Context) error
	names  []string // of checks, sorted
	logger *slog.Logger

	mu     sync.Mutex
	logged map[string]string // by part: the state and error last logged
}

func newHealthAPI(checks map[string]func(context.Context) error, logger *slog.Logger) *healthAPI {
	h := &healthAPI{checks: checks, logger: logger, logged: map[string]string{}}
	for name := range checks {
		h.names = append(h.names, name)
	}
	sort.Strings(h.names)
	return h
}

// live says the process serves HTTP; it checks nothing else, so that an
// orchestrator does not restart the service for a broker outage.
func (h *healthAPI) live(c *gin.Context) {
	respond(c, http.StatusOK, "alive", emptyData)
}

// ready checks each part: 503 names those without which this replica
// cannot serve its API (down or catching up), 200 those it serves without
// (degraded). The answer holds part names and states only; the errors,
// which name hosts, users and paths, go to the log.
func (h *healthAPI) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	states := make(map[string]string, len(h.names))
	down, degraded := []string{}, []string{}
	for _, name := range h.names {
		err := h.checks[name](ctx)
		state := stateOf(err)
		switch state {
		case stateDegraded:
			degraded = append(degraded, name)
		case stateDown, stateCatchingUp:
			down = append(down, name)
		}
		states[name] = state
		h.log(name, state, err)
	}
	data := gin.H{"checks": states, "down": down, "degraded": degraded}
	if len(down) > 0 {
		respond(c, http.StatusServiceUnavailable, "not ready", data)
		return
	}
	respond(c, http.StatusOK, "ready", data)
}

func stateOf(err error) string {
	var degraded degradedError
	switch {
	case err == nil:
		return stateUp
	case errors.As(err, &degraded):
		return stateDegraded
	case errors.Is(err, ErrCatchingUp):
		return stateCatchingUp
	}
	return stateDown
}

// log writes a part's state when it changes (or its error does), not at
// every probe, without the credentials an error may quote.
func (h *healthAPI) log(name, state string, err error) {
	detail := state
	if err != nil {
		detail += ": " + redact(err.Error())
	}
	h.mu.Lock()
	last, seen := h.logged[name]
	h.logged[name] = detail
	h.mu.Unlock()
	switch {
	case detail == last, !seen && err == nil:
	case err == nil:
		h.logger.Info("readiness: part is up again", "part", name, "was", last)
	default:
		h.logger.Warn("readiness: part is not up", "part", name, "state", state, "error", redact(err.Error()))
	}
}

var (
	// urlCredentials is the user information of a URL (nats://token@host,
	// postgres://user:password@host).
	urlCredentials = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]+@`)
	// keyValueSecret is a key=value secret (a PostgreSQL key/value
	// connection string, a query parameter).
	keyValueSecret = regexp.MustCompile(`(?i)\b(password|passwd|pwd|token|secret|pass|nkey|seed)(\s*=\s*)('[^']*'|"[^"]*"|[^\s&;,'"]+)`)
)

// redact removes credentials from an error's text.
func redact(s string) string {
	s = urlCredentials.ReplaceAllString(s, "${1}REDACTED@")
	return keyValueSecret.ReplaceAllString(s, "${1}${2}REDACTED")
}
