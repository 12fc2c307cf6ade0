package http

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/projections/rebuild"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// DeadLetters is the dead-letter stream the admin API lists, a page at a
// time, and replays.
type DeadLetters interface {
	Page(ctx context.Context, after uint64, limit int) (natsx.ParkedPage, error)
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
	// Verifier checks the bearer token every request must carry; the
	// caller needs AdminPermission.
	Verifier TokenVerifier
	// AllowedHosts are the host names (no port) requests may name in Host
	// besides localhost, 127.0.0.1 and ::1: the admin address's own host
	// and any name operators reach it by.
	AllowedHosts []string
	DeadLetters  DeadLetters
	// ParkedSinceStart counts the events this process parked.
	ParkedSinceStart func() int64
	Projections      Projections
	Logger           *slog.Logger
}

// Validate returns every missing dependency.
func (d AdminDeps) Validate() error {
	var errs []error
	if d.Verifier == nil {
		errs = append(errs, errors.New("http: nil admin token verifier"))
	}
	if d.DeadLetters == nil || d.ParkedSinceStart == nil || d.Projections == nil {
		errs = append(errs, errors.New("http: nil dead letters, parked counter or projections"))
	}
	return errors.Join(errs...)
}

// NewAdminHandler returns the operators' API, to be served on its own
// address, never on the public one. Answers use the public API's envelope
// and error table. Every request, in this order:
//
//   - names an allowed host in Host, or gets 421 (DNS rebinding);
//   - is not a browser's cross-site or cross-origin request (Sec-Fetch-Site,
//     Origin), or gets 403 "cross-site request refused";
//   - if it changes state, carries no form or text/plain body, or gets 415;
//   - carries a valid bearer token, or gets 401, with AdminPermission, or
//     gets 403. A browser cannot send an Authorization header to another
//     origin without a CORS preflight, which this API never grants.
//
// The routes:
//
//	GET  /admin/deadletters                 parked events, a page (after, limit)
//	POST /admin/deadletters/{seq}/replay    publish one again
//	POST /admin/deadletters/replay          publish all again
//	GET  /admin/projections                 checkpoints, log head, lag
//	POST /admin/projections/{name}/rebuild  rebuild into a copy, switch over
//
// The profiler is not here: see NewDebugHandler.
func NewAdminHandler(d AdminDeps) (http.Handler, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	r := newEngine(d.Logger)
	r.Use(checkHost(newHostSet(d.AllowedHosts)), sameOrigin(), noFormBodies(),
		authenticate(d.Verifier, d.Logger), authorize(mayAdminister, d.Logger))
	api := adminAPI{AdminDeps: d}
	r.GET("/admin/deadletters", handle(d.Logger, api.listDeadLetters))
	r.POST("/admin/deadletters/:seq/replay", handle(d.Logger, api.replayDeadLetter))
	r.POST("/admin/deadletters/replay", handle(d.Logger, api.replayAll))
	r.GET("/admin/projections", handle(d.Logger, api.listProjections))
	r.POST("/admin/projections/:name/rebuild", api.rebuildProjection)
	return r, nil
}

type adminAPI struct{ AdminDeps }
