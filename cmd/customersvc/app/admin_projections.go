package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/query/readmodel"
)

func (s *Service) listProjections(w http.ResponseWriter, r *http.Request) {
	statuses, err := projections.Status(r.Context(), s.store, s.readModel)
	if err != nil {
		adminError(w, http.StatusInternalServerError, err)
		return
	}
	adminJSON(w, http.StatusOK, map[string]any{"projections": statuses})
}

// rebuildProjection rebuilds a projection into a fresh copy while the live
// one serves, then switches over. It streams one JSON line per progress
// report; the last line says "done" or carries the error. A client that
// goes away interrupts the rebuild, which the next request resumes.
func (s *Service) rebuildProjection(w http.ResponseWriter, r *http.Request) {
	if name := r.PathValue("name"); name != projections.CustomersProjection {
		adminError(w, http.StatusNotFound, fmt.Errorf("no projection %q", name))
		return
	}
	if !s.rebuilding.TryLock() {
		adminError(w, http.StatusConflict, errors.New("a rebuild is already running"))
		return
	}
	defer s.rebuilding.Unlock()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	flusher, _ := w.(http.Flusher)
	send := func(v any) {
		_ = enc.Encode(v)
		if flusher != nil {
			flusher.Flush()
		}
	}
	err := s.rebuild(r, func(p projections.Progress) { send(progressLine(p)) })
	if err != nil {
		send(map[string]string{"error": err.Error()})
		return
	}
	send(map[string]any{"done": true})
}

func (s *Service) rebuild(r *http.Request, progress func(projections.Progress)) error {
	ctx := r.Context()
	rebuilder, err := projections.NewRebuilder(s.store, projections.RebuildConfig{Logger: s.logger})
	if err != nil {
		return err
	}
	path, err := readmodel.NextPath(s.cfg.DataDir)
	if err != nil {
		return err
	}
	s.logger.Info("rebuild: started", "projection", projections.CustomersProjection, "copy", path)
	if err := rebuilder.Run(ctx, path, progress); err != nil {
		return err
	}
	old, err := rebuilder.SwitchOver(ctx, s.readModel, s.cfg.DataDir, path)
	if err != nil {
		return err
	}
	s.logger.Info("rebuild: switched over", "projection", projections.CustomersProjection, "live", path, "previous", old)
	return readmodel.RemoveFile(old)
}

type progressReport struct {
	Done         uint64  `json:"done_position"`
	Total        uint64  `json:"head_position"`
	Events       int64   `json:"events"`
	EventsPerSec float64 `json:"events_per_sec"`
	ETASeconds   float64 `json:"eta_seconds"`
	CaughtUp     bool    `json:"caught_up"`
}

func progressLine(p projections.Progress) progressReport {
	return progressReport{Done: p.Done, Total: p.Total, Events: p.Events, EventsPerSec: p.EventsPerSec,
		ETASeconds: p.ETA.Round(time.Second).Seconds(), CaughtUp: p.CaughtUp}
}
