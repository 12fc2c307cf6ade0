package http

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/projections/rebuild"
)

// ProjectionsData is the data of GET /admin/projections.
type ProjectionsData struct {
	Projections []projections.ProjectionStatus `json:"projections"`
}

// RebuildLine is one line of a rebuild's answer, as a client reads it: a
// progress report, or the last line, {"done":true} or {"error":"…"}.
type RebuildLine struct {
	Done         uint64  `json:"done_position"`
	Total        uint64  `json:"head_position"`
	Events       int64   `json:"events"`
	EventsPerSec float64 `json:"events_per_sec"`
	ETASeconds   float64 `json:"eta_seconds"`
	CaughtUp     bool    `json:"caught_up"`
	Finished     bool    `json:"done,omitempty"`
	Error        string  `json:"error,omitempty"`
}

func (a adminAPI) listProjections(c *gin.Context) error {
	statuses, err := a.Projections.Status(c.Request.Context())
	if err != nil {
		return err
	}
	respond(c, http.StatusOK, "projections retrieved successfully", ProjectionsData{Projections: statuses})
	return nil
}

// rebuildProjection rebuilds a projection into a fresh copy while the live
// one serves, then switches over. Once the rebuild has started it answers
// 200 and streams one JSON line (RebuildLine) per progress report; the
// last line says done or carries the error. Refusals before the start
// (unknown projection, a rebuild running) are envelopes. A client that
// goes away interrupts the rebuild, which the next request resumes.
func (a adminAPI) rebuildProjection(c *gin.Context) {
	enc := json.NewEncoder(c.Writer)
	started := false
	begin := func() {
		c.Header("Content-Type", "application/x-ndjson")
		c.Status(http.StatusOK)
		c.Writer.Flush()
		started = true
	}
	send := func(line any) {
		_ = enc.Encode(line)
		c.Writer.Flush()
	}
	err := a.Projections.Rebuild(c.Request.Context(), c.Param("name"), begin, func(p rebuild.Progress) { send(progressLine(p)) })
	switch {
	case err != nil && !started:
		respondError(c, a.Logger, err)
	case err != nil:
		send(rebuildEnd{Error: err.Error()})
	default:
		send(rebuildEnd{Finished: true})
	}
}

// rebuildEnd is the last line of a rebuild's answer.
type rebuildEnd struct {
	Finished bool   `json:"done,omitempty"`
	Error    string `json:"error,omitempty"`
}

func progressLine(p rebuild.Progress) RebuildLine {
	return RebuildLine{Done: p.Done, Total: p.Total, Events: p.Events, EventsPerSec: p.EventsPerSec,
		ETASeconds: p.ETA.Round(time.Second).Seconds(), CaughtUp: p.CaughtUp}
}
