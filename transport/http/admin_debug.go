package http

import (
	"log/slog"
	"net/http"
	"net/http/pprof"

	"github.com/gin-gonic/gin"
)

// DebugDeps is what the profiler's listener needs.
type DebugDeps struct {
	// AllowedHosts are the host names requests may name in Host besides
	// localhost, 127.0.0.1 and ::1, as for AdminDeps.
	AllowedHosts []string
	Logger       *slog.Logger
}

// NewDebugHandler returns net/http/pprof under /debug/pprof/, to be served
// on an address of its own (DEBUG_ADDR), off unless asked for. It takes no
// token, so that `go tool pprof` can read it; like the admin API it answers
// only to its allowed hosts (421) and refuses browsers' cross-site requests
// (403). The command line (/debug/pprof/cmdline) is not served: flags may
// carry secrets.
func NewDebugHandler(d DebugDeps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	r := newEngine(d.Logger)
	r.Use(checkHost(newHostSet(d.AllowedHosts)), sameOrigin())
	r.Any("/debug/pprof/*name", profiler)
	return r
}

// profiler serves net/http/pprof under /debug/pprof/.
func profiler(c *gin.Context) {
	switch c.Param("name") {
	case "/profile":
		pprof.Profile(c.Writer, c.Request)
	case "/trace":
		pprof.Trace(c.Writer, c.Request)
	case "/symbol":
		pprof.Symbol(c.Writer, c.Request)
	case "/cmdline":
		respond(c, http.StatusNotFound, "not found", emptyData)
	default:
		pprof.Index(c.Writer, c.Request)
	}
}
