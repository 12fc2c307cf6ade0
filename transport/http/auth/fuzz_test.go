package auth_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/customersvc/customersvc/transport/http/auth"
)

// FuzzVerify checks Verify never panics and either yields an actor with an
// organization or refuses with ErrInvalidToken, without quoting the token.
func FuzzVerify(f *testing.F) {
	now := time.Now()
	valid := hs256(f, nested(now, nil))
	f.Add(bearer(valid))
	f.Add(bearer(hs256(f, flat(now, jwt.MapClaims{"scope": "read:customers manage:customers"}))))
	f.Add(bearer(unsigned(f, nested(now, nil))))
	f.Add(bearer(withPayload(f, valid, flat(now, nil))))
	f.Add("Bearer garbage")
	f.Add("Bearer a.b.c")
	f.Add("Basic dXNlcjpwYXNz")
	f.Add("")
	k := testKeys()
	f.Add(bearer(signKid(f, jwt.SigningMethodRS256, k.rsa, "rsa-1", nested(now, nil))))
	f.Add(bearer(signKid(f, jwt.SigningMethodES256, k.ec256, "ec-1", flat(now, nil))))
	f.Add(bearer(signKid(f, jwt.SigningMethodEdDSA, k.ed, "ed-1", nested(now, nil))))
	f.Add(bearer(signKid(f, jwt.SigningMethodHS256, testSecret, "hmac", nested(now, nil))))
	f.Add(bearer(signKid(f, jwt.SigningMethodES256, k.ec256, "rsa-1", nested(now, nil))))

	// Both kinds of key, the JWKS served from memory: no network needed.
	v, err := auth.NewVerifier(auth.Config{
		HS256Secret: testSecret, JWKSURL: "https://idp.test/oidc/jwks", HTTPClient: inMemoryJWKS(f, providerKeys(f)),
		Issuer: testIssuer, Audience: testAudience,
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(v.Close)
	f.Fuzz(func(t *testing.T, header string) {
		actor, err := v.Verify(header)
		if err != nil {
			if !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("Verify error = %v, want ErrInvalidToken", err)
			}
			if _, token, _ := strings.Cut(strings.TrimSpace(header), " "); len(token) >= 32 &&
				strings.Contains(err.Error(), token) {
				t.Fatalf("error %q quotes the token", err)
			}
			return
		}
		if actor.OrganizationID == "" || actor.Role == "" || actor.UserID == "" {
			t.Fatalf("Verify accepted %q with incomplete actor %+v", header, actor)
		}
	})
}

// roundTripFunc is an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// inMemoryJWKS is a client answering every request with keys as a JWKS.
func inMemoryJWKS(t testing.TB, keys []map[string]any) *http.Client {
	t.Helper()
	body, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode: http.StatusOK, Status: "200 OK", Request: r,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   io.NopCloser(bytes.NewReader(body)),
		}, nil
	})}
}
