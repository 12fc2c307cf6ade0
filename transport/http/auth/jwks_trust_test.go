package auth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/customersvc/customersvc/transport/http/auth"
)

// TestJWKSURLMustBeHTTPS: an http:// key set, whose keys anyone on the
// path could replace, is refused unless AllowHTTPJWKS says it is a test.
func TestJWKSURLMustBeHTTPS(t *testing.T) {
	t.Parallel()
	jwkA, _, tokenA, _ := rotationKeys(t)
	srv := newJWKSServer(t, jwkA)
	plain := httptest.NewServer(http.HandlerFunc(srv.handle))
	t.Cleanup(plain.Close)
	cfg := auth.Config{JWKSURL: plain.URL + "/oidc/jwks", Issuer: testIssuer, Audience: testAudience}
	if v, err := auth.NewVerifier(cfg); err == nil || !strings.Contains(err.Error(), "JWKSURL must be https") {
		t.Fatalf("NewVerifier with an http key set = %v, %v; want a refusal naming https", v, err)
	}
	cfg.AllowHTTPJWKS = true
	v, err := auth.NewVerifier(cfg)
	if err != nil {
		t.Fatalf("NewVerifier with AllowHTTPJWKS: %v", err)
	}
	t.Cleanup(v.Close)
	assertAccepted(t, v, tokenA)
}

// TestJWKSRequiresIssuerAndAudience: without both, a provider's ID tokens
// and its tokens for other APIs would pass.
func TestJWKSRequiresIssuerAndAudience(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]auth.Config{
		"noIssuer":   {JWKSURL: "https://idp.example/oidc/jwks", Audience: testAudience},
		"noAudience": {JWKSURL: "https://idp.example/oidc/jwks", Issuer: testIssuer},
		"neither":    {JWKSURL: "https://idp.example/oidc/jwks", HS256Secret: testSecret},
	} {
		if v, err := auth.NewVerifier(cfg); err == nil || !strings.Contains(err.Error(), "Issuer and Audience are required") {
			t.Errorf("%s: NewVerifier = %v, %v; want a refusal", name, v, err)
		}
	}
	// The secret alone needs neither.
	if _, err := auth.NewVerifier(auth.Config{HS256Secret: testSecret}); err != nil {
		t.Errorf("HS256 only: %v", err)
	}
}

// TestJWKSRedirectNotFollowed: a key set URL that redirects is a failed
// fetch, also with a client of the caller's own; the target is never asked.
func TestJWKSRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	jwkA, _, tokenA, _ := rotationKeys(t)
	keys := newJWKSServer(t, jwkA)
	var targetAsked atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/oidc/jwks", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere/jwks", http.StatusFound)
	})
	mux.HandleFunc("/elsewhere/jwks", func(w http.ResponseWriter, r *http.Request) {
		targetAsked.Add(1)
		keys.handle(w, r)
	})
	redirecting := httptest.NewTLSServer(mux)
	t.Cleanup(redirecting.Close)
	v, err := auth.NewVerifier(auth.Config{JWKSURL: redirecting.URL + "/oidc/jwks", HTTPClient: redirecting.Client(),
		Issuer: testIssuer, Audience: testAudience})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	assertRefused(t, v, tokenA)
	if n := targetAsked.Load(); n != 0 {
		t.Errorf("the redirect's target was asked %d times", n)
	}
	if st := v.JWKSStatus(); st.LastError == nil || !strings.Contains(st.LastError.Error(), "redirects are not followed") {
		t.Errorf("JWKSStatus = %+v, want a fetch error saying redirects are not followed", st)
	}
}

// TestJWKSStaleKeysRefused: keys that could not be refreshed for
// JWKSMaxStaleness stop verifying tokens, cached verifications included,
// until a fetch succeeds again.
func TestJWKSStaleKeysRefused(t *testing.T) {
	t.Parallel()
	jwkA, _, tokenA, _ := rotationKeys(t)
	srv, clock := newJWKSServer(t, jwkA), newFakeClock()
	const maxStale = 20 * time.Minute
	v := jwksVerifier(t, srv, clock, func(c *auth.Config) { c.JWKSMaxStaleness = maxStale })
	assertAccepted(t, v, tokenA)

	srv.answer(http.StatusServiceUnavailable, "")
	clock.advance(maxStale - time.Second)
	assertAccepted(t, v, tokenA) // verified again (past the cache's minute), cached until the keys go stale
	clock.advance(time.Second)
	assertRefused(t, v, tokenA)
	if st := v.JWKSStatus(); st.FailedFetches == 0 || st.Keys != 1 {
		t.Errorf("JWKSStatus = %+v, want the key held and a failed refresh", st)
	}

	srv.serve(t, jwkA)
	clock.advance(auth.DefaultJWKSMinRefetchInterval)
	assertAccepted(t, v, tokenA)
}

// TestJWKSDefaultMaxStaleness: the default is stated (an hour) and must
// outlast the refresh interval.
func TestJWKSDefaultMaxStaleness(t *testing.T) {
	t.Parallel()
	if auth.DefaultJWKSMaxStaleness != time.Hour {
		t.Errorf("DefaultJWKSMaxStaleness = %s, the README states 1h", auth.DefaultJWKSMaxStaleness)
	}
	_, err := auth.NewVerifier(auth.Config{JWKSURL: "https://idp.example/oidc/jwks", Issuer: testIssuer, Audience: testAudience,
		JWKSRefreshInterval: time.Hour, JWKSMaxStaleness: time.Hour})
	if err == nil || !strings.Contains(err.Error(), "JWKSMaxStaleness") {
		t.Errorf("max staleness not above the refresh interval accepted: %v", err)
	}
}
