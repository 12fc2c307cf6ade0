package auth

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/customersvc/customersvc/domain"
)

// ErrInvalidToken says the request carried no usable bearer token. Verify
// wraps it with the reason; classify with errors.Is.
var ErrInvalidToken = errors.New("invalid bearer token")

// signingMethod is the only symmetric algorithm, used by Mint and accepted
// with Config.HS256Secret.
var signingMethod = jwt.SigningMethodHS256

// jwksAlgs are the algorithms accepted with Config.JWKSURL. ES384 is there
// because it is what Logto signs with by default (EC keys on P-384).
var jwksAlgs = []string{
	jwt.SigningMethodRS256.Alg(),
	jwt.SigningMethodES256.Alg(),
	jwt.SigningMethodES384.Alg(),
	jwt.SigningMethodEdDSA.Alg(),
}

// Verifier checks bearer tokens. It is safe for concurrent use.
//
// With a JWKS URL it runs a background refresh of the key set; Close stops
// it.
type Verifier struct {
	secret []byte  // nil when HS256 is off
	keys   *keySet // nil when JWKS is off
	parser *jwt.Parser
	cache  *verifiedCache
	now    func() time.Time
	leeway time.Duration
}

// NewVerifier returns a Verifier for cfg, or cfg's problems. It does not
// wait for the key set: the provider may be down at construction, and
// tokens that need its keys are refused until a fetch succeeds.
func NewVerifier(cfg Config) (*Verifier, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	v := &Verifier{cache: newVerifiedCache(), now: cfg.now, leeway: cfg.Leeway}
	// Only the configured kinds of key are accepted, so an RS256 token never
	// meets the secret and an HS256 token never meets a public key.
	var algs []string
	if len(cfg.HS256Secret) > 0 {
		v.secret = slices.Clone(cfg.HS256Secret)
		algs = append(algs, signingMethod.Alg())
	}
	if cfg.JWKSURL != "" {
		v.keys = newKeySet(cfg)
		algs = append(algs, jwksAlgs...)
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(algs),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.now),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

// Close stops the key set's background refresh and aborts a fetch in
// flight; keys already fetched keep working. Without a JWKS URL it does
// nothing. It may be called more than once.
func (v *Verifier) Close() {
	if v.keys != nil {
		v.keys.close()
	}
}

// JWKSStatus reports on the key set; zero without a JWKS URL.
func (v *Verifier) JWKSStatus() JWKSStatus {
	if v.keys == nil {
		return JWKSStatus{}
	}
	return v.keys.snapshot()
}

// Verify checks the raw Authorization header value and returns the caller it
// names. Every failure wraps ErrInvalidToken. A token naming a kid the
// Verifier has not seen may wait for a key set fetch (see Config).
func (v *Verifier) Verify(authorizationHeader string) (domain.Principal, error) {
	raw, err := bearerToken(authorizationHeader)
	if err != nil {
		return domain.Principal{}, err
	}
	now := v.now()
	if principal, ok := v.cache.get(raw, now); ok {
		return principal, nil
	}
	var claims tokenClaims
	token, err := v.parser.ParseWithClaims(raw, &claims, v.key)
	if err != nil {
		return domain.Principal{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	principal, err := claims.toPrincipal()
	if err != nil {
		return domain.Principal{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	until := v.validUntil(claims, now)
	if v.keys != nil && slices.Contains(jwksAlgs, token.Method.Alg()) {
		// A key-set token stops counting when its key does.
		until = minTime(until, v.keys.trustedUntil())
	}
	v.cache.put(raw, cachedPrincipal{principal: principal, notBefore: v.notBefore(claims), validUntil: until})
	return principal, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// validUntil is when a cached verification stops counting: at exp (with
// the leeway the parser allows) or after cacheTTL, whichever is first.
func (v *Verifier) validUntil(c tokenClaims, now time.Time) time.Time {
	until := now.Add(cacheTTL)
	if c.ExpiresAt != nil {
		if exp := c.ExpiresAt.Add(v.leeway); exp.Before(until) {
			until = exp
		}
	}
	return until
}

func (v *Verifier) notBefore(c tokenClaims) time.Time {
	if c.NotBefore == nil {
		return time.Time{}
	}
	return c.NotBefore.Add(-v.leeway)
}

// key picks the key by the token's alg. WithValidMethods already refuses
// algorithms not configured; the checks here keep the key type tied to the
// algorithm should that option ever be dropped.
func (v *Verifier) key(t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	switch {
	case alg == signingMethod.Alg():
		if v.secret == nil {
			return nil, errors.New("HS256 tokens are not accepted")
		}
		return v.secret, nil
	case slices.Contains(jwksAlgs, alg):
		if v.keys == nil {
			return nil, errors.New("asymmetric tokens are not accepted")
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token has no kid")
		}
		return v.keys.key(kid, alg)
	}
	return nil, errors.New("unexpected signing method")
}

// bearerToken extracts the token from "Bearer <token>"; the scheme is
// case-insensitive (RFC 9110 §11.1).
func bearerToken(header string) (string, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return "", fmt.Errorf("%w: missing Authorization header", ErrInvalidToken)
	}
	scheme, token, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("%w: Authorization scheme is not Bearer", ErrInvalidToken)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", fmt.Errorf("%w: empty bearer token", ErrInvalidToken)
	}
	return token, nil
}
