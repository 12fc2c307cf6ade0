package auth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// MinSecretBytes is the shortest HS256 secret accepted: RFC 7518 §3.2 asks
// for a key at least as long as the hash output.
const MinSecretBytes = 32

// Defaults for the JWKS settings left zero.
const (
	DefaultJWKSRefreshInterval    = 10 * time.Minute
	DefaultJWKSMinRefetchInterval = 30 * time.Second
	DefaultJWKSTimeout            = 5 * time.Second
)

// Config says which tokens a Verifier accepts. At least one of HS256Secret
// and JWKSURL must be set; with both, HS256 tokens are checked with the
// secret and asymmetric ones against the key set.
type Config struct {
	// HS256Secret is the shared signing secret, at least MinSecretBytes long.
	// Empty turns HS256 tokens off.
	HS256Secret []byte
	// Issuer, when set, must equal the token's iss claim.
	Issuer string
	// Audience, when set, must appear in the token's aud claim (a string or
	// an array).
	Audience string
	// Leeway absorbs clock skew when checking exp, nbf and iat. Default 0.
	Leeway time.Duration

	// JWKSURL is an OIDC provider's JSON Web Key Set (for Logto
	// https://<tenant>/oidc/jwks), an absolute http(s) URL. When set, RS256,
	// ES256, ES384 and EdDSA tokens naming one of its keys by kid are
	// accepted. Empty turns them off.
	JWKSURL string
	// JWKSRefreshInterval is how often the key set is fetched in the
	// background. Default DefaultJWKSRefreshInterval.
	JWKSRefreshInterval time.Duration
	// JWKSMinRefetchInterval is the least time between two fetches, however
	// they are asked for; it bounds what tokens with unknown kids can cost.
	// Default DefaultJWKSMinRefetchInterval.
	JWKSMinRefetchInterval time.Duration
	// JWKSTimeout bounds one fetch. Default DefaultJWKSTimeout.
	JWKSTimeout time.Duration
	// HTTPClient fetches the key set; nil uses a client of the Verifier's own.
	HTTPClient *http.Client

	// now is the Verifier's clock; nil means time.Now. Tests set it.
	now func() time.Time
}

func (c *Config) setDefaults() {
	if c.JWKSRefreshInterval == 0 {
		c.JWKSRefreshInterval = DefaultJWKSRefreshInterval
	}
	if c.JWKSMinRefetchInterval == 0 {
		c.JWKSMinRefetchInterval = DefaultJWKSMinRefetchInterval
	}
	if c.JWKSTimeout == 0 {
		c.JWKSTimeout = DefaultJWKSTimeout
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.now == nil {
		c.now = time.Now
	}
}

// Validate reports every problem with the config at once. Zero durations
// are valid: they stand for the defaults.
func (c Config) Validate() error {
	var errs []error
	switch n := len(c.HS256Secret); {
	case n == 0 && c.JWKSURL == "":
		errs = append(errs, fmt.Errorf(
			"auth: HS256Secret (at least %d bytes, got 0) or JWKSURL is required", MinSecretBytes))
	case n > 0 && n < MinSecretBytes:
		errs = append(errs, fmt.Errorf(
			"auth: HS256Secret must be at least %d bytes, got %d", MinSecretBytes, n))
	}
	if c.JWKSURL != "" && !isAbsoluteHTTP(c.JWKSURL) {
		// The value is not quoted: a URL may carry credentials.
		errs = append(errs, errors.New("auth: JWKSURL must be an absolute http(s) URL"))
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"Leeway", c.Leeway},
		{"JWKSRefreshInterval", c.JWKSRefreshInterval},
		{"JWKSMinRefetchInterval", c.JWKSMinRefetchInterval},
		{"JWKSTimeout", c.JWKSTimeout},
	} {
		if d.value < 0 {
			errs = append(errs, fmt.Errorf("auth: %s must not be negative, got %s", d.name, d.value))
		}
	}
	return errors.Join(errs...)
}

func isAbsoluteHTTP(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
