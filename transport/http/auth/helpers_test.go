package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var testSecret = []byte("test-secret-0123456789abcdef-0123456789")

// The issuer and audience of the test tokens, which a key set requires.
const (
	testIssuer   = "https://idp.test/oidc"
	testAudience = "https://api.customersvc.test"
)

// sign signs claims with method and key, failing the test on error.
func sign(t testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return token
}

// hs256 signs claims with the test secret.
func hs256(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	return sign(t, jwt.SigningMethodHS256, testSecret, claims)
}

// unsigned builds an alg "none" token by hand, with an empty signature.
func unsigned(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	return segment(t, map[string]string{"alg": "none", "typ": "JWT"}) + "." + segment(t, claims) + "."
}

// withPayload swaps token's payload for claims, keeping header and signature.
func withPayload(t testing.TB, token string, claims jwt.MapClaims) string {
	t.Helper()
	parts := strings.Split(token, ".")
	parts[1] = segment(t, claims)
	return strings.Join(parts, ".")
}

func segment(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// nested returns valid claims in the platform's layout; extra overrides or,
// with a nil value, removes top-level claims.
func nested(now time.Time, extra jwt.MapClaims) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub": "auth0|sub-1",
		"iss": testIssuer,
		"aud": testAudience,
		"exp": now.Add(time.Hour).Unix(),
		"iat": now.Unix(),
		"user": map[string]any{
			"id":               "user-1",
			"organization_id":  "org-1",
			"org_role":         "Distributor",
			"user_permissions": []string{"manage:customers"},
			"org_permissions":  []string{"read:customers"},
		},
	}
	return merge(c, extra)
}

// flat returns valid claims in the flat layout; extra as for nested.
func flat(now time.Time, extra jwt.MapClaims) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub":             "user-2",
		"iss":             testIssuer,
		"aud":             testAudience,
		"exp":             now.Add(time.Hour).Unix(),
		"organization_id": "org-2",
		"org_role":        "customer",
		"permissions":     []string{"read:customers"},
	}
	return merge(c, extra)
}

func merge(c, extra jwt.MapClaims) jwt.MapClaims {
	for k, v := range extra {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

func bearer(token string) string { return "Bearer " + token }
