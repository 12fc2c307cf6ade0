package app

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	natsx "github.com/customersvc/customersvc/transport/nats"
)

// serveAdmin serves the operators' API on its own address, never on the
// public one:
//
//	GET  /admin/deadletters                 parked events
//	POST /admin/deadletters/{seq}/replay    publish one again
//	POST /admin/deadletters/replay          publish all again
//	GET  /admin/projections                 checkpoints, log head, lag
//	POST /admin/projections/{name}/rebuild  rebuild into a copy, switch over
//	GET  /debug/pprof/...                   the profiler
func (s *Service) serveAdmin() error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/deadletters", s.listDeadLetters)
	mux.HandleFunc("POST /admin/deadletters/{seq}/replay", s.replayDeadLetter)
	mux.HandleFunc("POST /admin/deadletters/replay", s.replayAllDeadLetters)
	mux.HandleFunc("GET /admin/projections", s.listProjections)
	mux.HandleFunc("POST /admin/projections/{name}/rebuild", s.rebuildProjection)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	ln, err := net.Listen("tcp", s.cfg.AdminAddr)
	if err != nil {
		return err
	}
	s.adminListener = ln
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	s.onClose(srv.Close)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("admin server stopped", "error", err)
		}
	}()
	return nil
}

// AdminAddr is the address of the operators' API, empty when it is off.
func (s *Service) AdminAddr() string {
	if s.adminListener == nil {
		return ""
	}
	return s.adminListener.Addr().String()
}

func (s *Service) listDeadLetters(w http.ResponseWriter, r *http.Request) {
	parked, err := s.deadLetters.List(r.Context())
	if err != nil {
		adminError(w, http.StatusInternalServerError, err)
		return
	}
	adminJSON(w, http.StatusOK, map[string]any{"parked": parked, "parked_since_start": s.poison.Parked()})
}

func (s *Service) replayDeadLetter(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		adminError(w, http.StatusBadRequest, errors.New("sequence must be a number"))
		return
	}
	if err := s.deadLetters.Replay(r.Context(), seq); err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, natsx.ErrUnknownDeadLetter) {
			status = http.StatusNotFound
		}
		adminError(w, status, err)
		return
	}
	adminJSON(w, http.StatusOK, map[string]any{"replayed": []uint64{seq}})
}

func (s *Service) replayAllDeadLetters(w http.ResponseWriter, r *http.Request) {
	parked, err := s.deadLetters.List(r.Context())
	if err != nil {
		adminError(w, http.StatusInternalServerError, err)
		return
	}
	replayed := []uint64{}
	for _, p := range parked {
		if err := s.deadLetters.Replay(r.Context(), p.Sequence); err != nil {
			adminError(w, http.StatusInternalServerError, err)
			return
		}
		replayed = append(replayed, p.Sequence)
	}
	adminJSON(w, http.StatusOK, map[string]any{"replayed": replayed})
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func adminError(w http.ResponseWriter, status int, err error) {
	adminJSON(w, status, map[string]string{"error": err.Error()})
}
