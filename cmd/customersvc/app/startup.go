package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Start-up retries an unreachable EventStoreDB or NATS with a backoff
// from startupFirstWait, doubling up to startupMaxWait, until the start-up
// deadline (STARTUP_TIMEOUT after Start began); each attempt gets at most
// startupAttemptTimeout of it.
const (
	startupFirstWait      = 250 * time.Millisecond
	startupMaxWait        = 5 * time.Second
	startupAttemptTimeout = 30 * time.Second
)

// permanentError is a start-up failure that waiting cannot cure (a NATS
// without JetStream, refused credentials): retryStartup returns it at once.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return permanentError{err} }

// retryStartup runs attempt until it succeeds, fails for good, ctx ends or
// the start-up deadline passes, logging each failed attempt. setting names
// the configuration that points at the server (EVENTSTORE_URL, NATS_URL)
// and what the server; attempt's errors must not hold credentials.
func (s *Service) retryStartup(ctx context.Context, setting, what string, attempt func(context.Context) error) error {
	wait := startupFirstWait
	for n := 1; ; n++ {
		actx, cancel := context.WithTimeout(ctx, min(time.Until(s.startBy), startupAttemptTimeout))
		err := attempt(actx)
		cancel()
		if err == nil {
			if n > 1 {
				s.logger.Info("start-up: "+what+" answered", "setting", setting, "attempts", n)
			}
			return nil
		}
		if p, ok := errors.AsType[permanentError](err); ok {
			return p.err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: start-up cancelled while waiting for %s: %w", setting, what, err)
		}
		left := time.Until(s.startBy)
		if left <= 0 {
			s.logger.Error("start-up: giving up on "+what, "setting", setting, "attempts", n, "startup_timeout", s.cfg.StartupTimeout.String(), "error", err)
			return fmt.Errorf("%s: %s did not answer within STARTUP_TIMEOUT (%s, %d attempts): %w", setting, what, s.cfg.StartupTimeout, n, err)
		}
		wait = min(wait, left)
		s.logger.Warn("start-up: "+what+" not reachable yet; retrying", "setting", setting, "attempt", n,
			"retry_in", wait.String(), "deadline_in", left.Round(time.Second).String(), "error", err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("%s: start-up cancelled while waiting for %s: %w", setting, what, ctx.Err())
		}
		wait = min(2*wait, startupMaxWait)
	}
}
