package auth

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/customersvc/customersvc/command"
)

// ErrInvalidToken says the request carried no usable bearer token. Verify
// wraps it with the reason; classify with errors.Is.
var ErrInvalidToken = errors.New("invalid bearer token")

// signingMethod is the only algorithm accepted; pinning it stops "none" and
// key-confusion attacks (an RS256 header with the secret as public key).
var signingMethod = jwt.SigningMethodHS256

// Verifier checks bearer tokens. It is safe for concurrent use.
type Verifier struct {
	secret []byte
	parser *jwt.Parser
}

// NewVerifier returns a Verifier for cfg, or cfg's problems.
func NewVerifier(cfg Config) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{signingMethod.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	return &Verifier{secret: slices.Clone(cfg.HS256Secret), parser: jwt.NewParser(opts...)}, nil
}

// Verify checks the raw Authorization header value and returns the caller it
// names. Every failure wraps ErrInvalidToken.
func (v *Verifier) Verify(authorizationHeader string) (command.Actor, error) {
	raw, err := bearerToken(authorizationHeader)
	if err != nil {
		return command.Actor{}, err
	}
	var claims tokenClaims
	if _, err := v.parser.ParseWithClaims(raw, &claims, v.key); err != nil {
		return command.Actor{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	actor, err := claims.toActor()
	if err != nil {
		return command.Actor{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return actor, nil
}

func (v *Verifier) key(t *jwt.Token) (any, error) {
	// WithValidMethods already refuses other algorithms; this guards the
	// key type should that option ever be dropped.
	if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok {
		return nil, errors.New("unexpected signing method")
	}
	return v.secret, nil
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
