package app

import (
	"context"
	"time"

	"github.com/customersvc/customersvc/projections"
)

// startBootstrap loads a new replica's local read model from the event
// store, in the background, when it is empty and the event store is
// shared: the stream may no longer hold the oldest events (its retention),
// and the log is faster to load from anyway. It is the operators' rebuild
// (rebuild.Manager), switched over while the projector already applies
// the stream's events; until it has switched over, /readyz says the read
// model is catching up and lists answer 503.
func (s *Service) startBootstrap(ctx context.Context) error {
	if s.localModel == nil || !s.replicated() {
		return nil
	}
	checkpoint, err := s.readModel.Checkpoint(ctx, projections.CustomersProjection)
	if err != nil || checkpoint > 0 {
		return err
	}
	s.bootstrapping.Store(true)
	s.goBackground("read model bootstrap", ctx, func(ctx context.Context) error {
		for wait := time.Second; ; wait = min(2*wait, time.Minute) {
			err := s.rebuilds.Rebuild(ctx, projections.CustomersProjection, nil, nil)
			if err == nil {
				s.bootstrapping.Store(false)
				s.logger.Info("read model loaded from the event store", "replica", s.replica)
				return nil
			}
			if ctx.Err() != nil {
				return nil
			}
			s.logger.Warn("read model bootstrap failed; retrying", "error", err, "backoff", wait)
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return nil
			}
		}
	})
	return nil
}
