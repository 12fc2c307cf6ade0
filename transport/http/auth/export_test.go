package auth

import "time"

// WithClock returns cfg with now as the Verifier's clock, so tests can move
// past JWKSMinRefetchInterval without sleeping.
func WithClock(cfg Config, now func() time.Time) Config {
	cfg.now = now
	return cfg
}
