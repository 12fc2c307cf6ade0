package http

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/pprof"

	"github.com/gin-gonic/gin"

	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/projections/rebuild"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// DeadLetters is the dead-letter stream the admin API lists and replays.
type DeadLetters interface {
	List(ctx context.Context) ([]natsx.Parked, error)
	Replay(ctx context.Context, seq uint64) error
}

// Projections are the read models the admin API reports on and rebuilds
// (rebuild.Manager).
type Projections interface {
	Status(ctx context.Context) ([]projections.ProjectionStatus, error)
	Rebuild(ctx context.Context, name string, started func(), progress func(rebuild.Progress)) error
}

// AdminDeps is what the operators' API needs.
type AdminDeps struct {
	DeadLetters DeadLetters
	// ParkedSinceStart counts the events this process parked.
	ParkedSinceStart func() int64
	Projections      Projections
	Logger           *slog.Logger
}

// Validate returns every missing dependency.
func (d AdminDeps) Validate() error {
	if d.DeadLetters == nil || d.ParkedSinceStart == nil || d.Projections == nil {
		return errors.New("http: nil dead letters, parked counter or projections")
	}
	return nil
}

// NewAdminHandler returns the operators' API, to be served on its own
// address, never on the public one. It has no authentication. Answers use
// the public API's envelope and error table.
//
//	GET  /admin/deadletters                 parked events
//	POST /admin/deadletters/{seq}/replay    publish one again
//	POST /admin/deadletters/replay          publish all again
//	GET  /admin/projections                 checkpoints, log head, lag
//	POST /admin/projections/{name}/rebuild  rebuild into a copy, switch over
//	     /debug/pprof/...                   the profiler
func NewAdminHandler(d AdminDeps) (http.Handler, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	r := newEngine(d.Logger)
	api := adminAPI{AdminDeps: d}
	r.GET("/admin/deadletters", handle(d.Logger, api.listDeadLetters))
	r.POST("/admin/deadletters/:seq/replay", handle(d.Logger, api.replayDeadLetter))
	r.POST("/admin/deadletters/replay", handle(d.Logger, api.replayAll))
	r.GET("/admin/projections", handle(d.Logger, api.listProjections))
	r.POST("/admin/projections/:name/rebuild", api.rebuildProjection)
	r.Any("/debug/pprof/*name", profiler)
	return r, nil
}

type adminAPI struct{ AdminDeps }

// profiler serves net/http/pprof under /debug/pprof/.
func profiler(c *gin.Context) {
	switch c.Param("name") {
	case "/profile":
		pprof.Profile(c.Writer, c.Request)
	case "/trace":
		pprof.Trace(c.Writer, c.Request)
	case "/symbol":
		pprof.Symbol(c.Writer, c.Request)
	default:
		pprof.Index(c.Writer, c.Request)
	}
}
