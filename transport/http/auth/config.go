package auth

import (
	"errors"
	"fmt"
	"time"
)

// MinSecretBytes is the shortest HS256 secret accepted: RFC 7518 §3.2 asks
// for a key at least as long as the hash output.
const MinSecretBytes = 32

// Config says which tokens a Verifier accepts.
type Config struct {
	// HS256Secret is the shared signing secret, at least MinSecretBytes long.
	HS256Secret []byte
	// Issuer, when set, must equal the token's iss claim.
	Issuer string
	// Audience, when set, must appear in the token's aud claim (a string or
	// an array).
	Audience string
	// Leeway absorbs clock skew when checking exp, nbf and iat. Default 0.
	Leeway time.Duration
}

// Validate reports every problem with the config at once.
func (c Config) Validate() error {
	var errs []error
	if len(c.HS256Secret) < MinSecretBytes {
		errs = append(errs, fmt.Errorf(
			"auth: HS256Secret must be at least %d bytes, got %d", MinSecretBytes, len(c.HS256Secret)))
	}
	if c.Leeway < 0 {
		errs = append(errs, fmt.Errorf("auth: Leeway must not be negative, got %s", c.Leeway))
	}
	return errors.Join(errs...)
}
