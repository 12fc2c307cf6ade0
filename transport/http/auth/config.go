package auth

import (
	"cmp"
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
	// DefaultJWKSMaxStaleness is how long keys stay trusted after the last
	// successful fetch of the key set: six refresh intervals.
	DefaultJWKSMaxStaleness = time.Hour
)

// DefaultLeeway is the clock skew the service allows by default
// (AUTH_LEEWAY): iat is checked, so a provider whose clock runs a few
// seconds ahead would otherwise see its fresh tokens refused. A zero
// Config.Leeway stays zero.
const DefaultLeeway = 30 * time.Second

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
	// https://<tenant>/oidc/jwks), an absolute https URL (http only with
	// AllowHTTPJWKS). When set, RS256, ES256, ES384 and EdDSA tokens naming
	// one of its keys by kid are accepted, and Issuer and Audience are
	// required: without them an ID token, or a token the same provider
	// issued for another API, would be accepted. Redirects are not
	// followed. Empty turns key-set tokens off.
	JWKSURL string
	// AllowHTTPJWKS accepts an http:// JWKSURL, whose keys anyone on the
	// path could replace. For tests only.
	AllowHTTPJWKS bool
	// JWKSMaxStaleness is how long the keys stay trusted after the last
	// successful fetch: when the key set could not be refreshed for longer
	// (the provider unreachable, or answering garbage), key-set tokens are
	// refused until a fetch succeeds, so a key the provider has withdrawn
	// is not honoured indefinitely. It must exceed JWKSRefreshInterval.
	// Default DefaultJWKSMaxStaleness.
	JWKSMaxStaleness time.Duration
	// JWKSRefreshInterval is how often the key set is fetched in the
	// background. Default DefaultJWKSRefreshInterval.
	JWKSRefreshInterval time.Duration
	// JWKSMinRefetchInterval is the least time between two fetches, however
	// they are asked for; it bounds what tokens with unknown kids can cost.
	// Default DefaultJWKSMinRefetchInterval.
	JWKSMinRefetchInterval time.Duration
	// JWKSTimeout bounds one fetch. Default DefaultJWKSTimeout.
	JWKSTimeout time.Duration
	// HTTPClient fetches the key set; nil uses a client of the Verifier's
	// own. The Verifier uses a copy that follows no redirects.
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
	if c.JWKSMaxStaleness == 0 {
		c.JWKSMaxStaleness = DefaultJWKSMaxStaleness
	}
	client := &http.Client{}
	if c.HTTPClient != nil {
		copied := *c.HTTPClient
		client = &copied
	}
	// A redirect would let whoever controls its target (an open redirect
	// on the provider's host, a compromised path) serve the keys.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.HTTPClient = client
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
	if c.JWKSURL != "" {
		errs = append(errs, c.validateJWKS()...)
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"Leeway", c.Leeway},
		{"JWKSRefreshInterval", c.JWKSRefreshInterval},
		{"JWKSMinRefetchInterval", c.JWKSMinRefetchInterval},
		{"JWKSTimeout", c.JWKSTimeout},
		{"JWKSMaxStaleness", c.JWKSMaxStaleness},
	} {
		if d.value < 0 {
			errs = append(errs, fmt.Errorf("auth: %s must not be negative, got %s", d.name, d.value))
		}
	}
	return errors.Join(errs...)
}

// validateJWKS checks what a key set needs: an https URL, the issuer and
// audience, and keys that outlive a refresh interval.
func (c Config) validateJWKS() []error {
	var errs []error
	// The URL is not quoted: it may carry credentials.
	u, err := url.Parse(c.JWKSURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		errs = append(errs, errors.New("auth: JWKSURL must be an absolute https URL"))
	case u.Scheme == "http" && !c.AllowHTTPJWKS:
		errs = append(errs, errors.New("auth: JWKSURL must be https (AllowHTTPJWKS allows http, for tests)"))
	}
	if c.Issuer == "" || c.Audience == "" {
		errs = append(errs, errors.New("auth: Issuer and Audience are required with JWKSURL, or ID tokens and other APIs' tokens of the same provider are accepted"))
	}
	refresh, stale := cmp.Or(c.JWKSRefreshInterval, DefaultJWKSRefreshInterval), cmp.Or(c.JWKSMaxStaleness, DefaultJWKSMaxStaleness)
	if c.JWKSRefreshInterval >= 0 && c.JWKSMaxStaleness >= 0 && stale <= refresh {
		errs = append(errs, fmt.Errorf("auth: JWKSMaxStaleness (%s) must be longer than JWKSRefreshInterval (%s)", stale, refresh))
	}
	return errs
}
