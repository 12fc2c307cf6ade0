package auth_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/customersvc/customersvc/transport/http/auth"
)

// rotationKeys returns the JWKs of key A (rsa) and key B (rsaOther) and
// tokens each signs.
func rotationKeys(t testing.TB) (jwkA, jwkB map[string]any, tokenA, tokenB string) {
	t.Helper()
	k, now := testKeys(), time.Now()
	jwkA = jwkOf(t, "key-a", &k.rsa.PublicKey, nil)
	jwkB = jwkOf(t, "key-b", &k.rsaOther.PublicKey, nil)
	tokenA = bearer(signKid(t, jwt.SigningMethodRS256, k.rsa, "key-a", nested(now, nil)))
	tokenB = bearer(signKid(t, jwt.SigningMethodRS256, k.rsaOther, "key-b", nested(now, nil)))
	return jwkA, jwkB, tokenA, tokenB
}

func assertRequests(t testing.TB, srv *jwksServer, want int64) {
	t.Helper()
	if got := srv.requests.Load(); got != want {
		t.Fatalf("JWKS server got %d requests, want %d", got, want)
	}
}

func TestJWKSFetchedAtConstruction(t *testing.T) {
	t.Parallel()
	jwkA, _, tokenA, _ := rotationKeys(t)
	srv := newJWKSServer(t, jwkA)
	held, release := srv.hold()
	v := jwksVerifier(t, srv, newFakeClock(), nil)
	// Only a guard against hanging: the fetch starts at once.
	select {
	case <-held:
	case <-time.After(time.Minute):
		t.Fatal("no JWKS fetch at construction")
	}
	release()
	assertAccepted(t, v, tokenA)
	assertRequests(t, srv, 1)
}

func TestJWKSUnknownKidFetchesRotatedKey(t *testing.T) {
	t.Parallel()
	jwkA, jwkB, tokenA, tokenB := rotationKeys(t)
	srv, clock := newJWKSServer(t, jwkA), newFakeClock()
	v := jwksVerifier(t, srv, clock, nil)
	assertAccepted(t, v, tokenA)
	assertRequests(t, srv, 1)

	srv.serve(t, jwkA, jwkB)
	clock.advance(auth.DefaultJWKSMinRefetchInterval)
	assertAccepted(t, v, tokenB)
	assertAccepted(t, v, tokenA)
	assertRequests(t, srv, 2)
}

func TestJWKSRefetchIsRateLimited(t *testing.T) {
	t.Parallel()
	jwkA, jwkB, tokenA, tokenB := rotationKeys(t)
	srv, clock := newJWKSServer(t, jwkA), newFakeClock()
	v := jwksVerifier(t, srv, clock, func(c *auth.Config) { c.JWKSMinRefetchInterval = time.Minute })
	assertAccepted(t, v, tokenA)
	assertRequests(t, srv, 1)

	// The first unknown kid past the interval refetches; it is still unknown.
	clock.advance(time.Minute)
	unknown := bearer(signKid(t, jwt.SigningMethodRS256, testKeys().rsa, "key-x", nested(time.Now(), nil)))
	assertRefused(t, v, unknown)
	assertRequests(t, srv, 2)

	// Within the interval, unknown kids cost no request, even once the
	// provider has the key.
	srv.serve(t, jwkA, jwkB)
	clock.advance(time.Minute - time.Nanosecond)
	assertRefused(t, v, unknown)
	assertRefused(t, v, tokenB)
	assertRequests(t, srv, 2)

	clock.advance(time.Nanosecond)
	assertAccepted(t, v, tokenB)
	assertRequests(t, srv, 3)
}

func TestJWKSConcurrentUnknownKidsShareOneFetch(t *testing.T) {
	t.Parallel()
	jwkA, jwkB, _, tokenB := rotationKeys(t)
	srv := newJWKSServer(t, jwkA, jwkB)
	held, release := srv.hold()
	defer release()
	v := jwksVerifier(t, srv, newFakeClock(), nil)

	const callers = 8
	errs := make([]error, callers)
	var started, done sync.WaitGroup
	started.Add(callers)
	verify := func(i int) {
		started.Done()
		_, errs[i] = v.Verify(tokenB)
	}
	done.Go(func() { verify(0) })
	<-held // a fetch, the warm-up's or caller 0's, waits at the server
	for i := 1; i < callers; i++ {
		done.Go(func() { verify(i) })
	}
	started.Wait()
	release()
	done.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: Verify: %v", i, err)
		}
	}
	assertRequests(t, srv, 1)
}

func TestJWKSFailedFetchKeepsKeys(t *testing.T) {
	t.Parallel()
	const marker = "c2VjcmV0LWtleS1tYXRlcmlhbA"
	tests := []struct {
		name string
		fail func(*jwksServer)
	}{
		{name: "keptWhenUnavailable", fail: func(s *jwksServer) { s.answer(http.StatusServiceUnavailable, marker) }},
		{name: "keptWhenConnectionRefused", fail: func(s *jwksServer) { s.Close() }},
		{name: "keptWhenNotJSON", fail: func(s *jwksServer) { s.answer(http.StatusOK, "<html>"+marker) }},
		{name: "keptWhenTruncated", fail: func(s *jwksServer) { s.answer(http.StatusOK, `{"keys":[{"kty":"RSA","n":"`+marker) }},
		{name: "keptWhenEmpty", fail: func(s *jwksServer) { s.answer(http.StatusOK, `{"keys":[]}`) }},
		{name: "keptWhenNoUsableKey", fail: func(s *jwksServer) {
			s.answer(http.StatusOK, `{"keys":[{"kty":"RSA","kid":"key-b","n":"`+marker+`","e":"AQAB"}]}`)
		}},
		{name: "keptWhenOversized", fail: func(s *jwksServer) {
			s.answer(http.StatusOK, `{"keys":[`+strings.Repeat(" ", 1<<20)+`]}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			jwkA, _, tokenA, tokenB := rotationKeys(t)
			srv, clock := newJWKSServer(t, jwkA), newFakeClock()
			v := jwksVerifier(t, srv, clock, nil)
			assertAccepted(t, v, tokenA)

			tt.fail(srv)
			clock.advance(auth.DefaultJWKSMinRefetchInterval)
			assertRefused(t, v, tokenB)
			assertAccepted(t, v, tokenA)

			st := v.JWKSStatus()
			if st.Keys != 1 || st.Fetches != 2 || st.FailedFetches != 1 || st.LastError == nil {
				t.Fatalf("JWKSStatus = %+v, want 1 key, 2 fetches, 1 failed, an error", st)
			}
			if strings.Contains(st.LastError.Error(), marker) {
				t.Errorf("fetch error %q quotes the response", st.LastError)
			}
		})
	}
}

func TestJWKSProviderDownAtStartRefusesUntilUp(t *testing.T) {
	t.Parallel()
	jwkA, _, tokenA, _ := rotationKeys(t)
	srv, clock := newJWKSServer(t), newFakeClock()
	srv.answer(http.StatusBadGateway, "")
	v := jwksVerifier(t, srv, clock, nil)
	assertRefused(t, v, tokenA)
	assertRequests(t, srv, 1)

	srv.serve(t, jwkA)
	clock.advance(auth.DefaultJWKSMinRefetchInterval)
	assertAccepted(t, v, tokenA)
	assertRequests(t, srv, 2)
}

func TestJWKSSkipsMalformedKeys(t *testing.T) {
	t.Parallel()
	k := testKeys()
	ec := func(edits map[string]any) map[string]any { return jwkOf(t, "bad", &k.ec256.PublicKey, edits) }
	ecX := jwkOf(t, "x", &k.ec256.PublicKey, nil)["x"].(string)
	rsa := func(edits map[string]any) map[string]any { return jwkOf(t, "bad", &k.rsaOther.PublicKey, edits) }
	okp := func(edits map[string]any) map[string]any {
		return jwkOf(t, "bad", k.ed.Public().(ed25519.PublicKey), edits)
	}
	tests := []struct {
		name        string
		jwk         any
		wantSkipped int
	}{
		{name: "rsaModulusNotBase64Skipped", jwk: rsa(map[string]any{"n": "not base64!"}), wantSkipped: 1},
		{name: "rsaModulus1024BitsSkipped", jwk: rsa(map[string]any{"n": b64(k.rsaOther.N.Bytes()[:128])}), wantSkipped: 1},
		{name: "rsaExponentEvenSkipped", jwk: rsa(map[string]any{"e": b64([]byte{1, 0, 0})}), wantSkipped: 1},
		{name: "rsaExponentMissingSkipped", jwk: rsa(map[string]any{"e": nil}), wantSkipped: 1},
		{name: "rsaModulusNotAStringSkipped", jwk: rsa(map[string]any{"n": 12345}), wantSkipped: 1},
		{name: "ecPointOffCurveSkipped", jwk: ec(map[string]any{"y": ecX}), wantSkipped: 1},
		{name: "ecCoordinateShortSkipped", jwk: ec(map[string]any{"x": b64(make([]byte, 31))}), wantSkipped: 1},
		{name: "ecCurveP521Skipped", jwk: ec(map[string]any{"crv": "P-521"}), wantSkipped: 1},
		{name: "okpCurveX25519Skipped", jwk: okp(map[string]any{"crv": "X25519"}), wantSkipped: 1},
		{name: "okpKeyShortSkipped", jwk: okp(map[string]any{"x": b64(make([]byte, 31))}), wantSkipped: 1},
		{name: "octKeySkipped", jwk: map[string]any{"kty": "oct", "kid": "bad", "k": b64(testSecret)}, wantSkipped: 1},
		{name: "missingKidSkipped", jwk: rsa(map[string]any{"kid": nil}), wantSkipped: 1},
		{name: "notAnObjectSkipped", jwk: "bad", wantSkipped: 1},
		{name: "encryptionKeyIgnored", jwk: rsa(map[string]any{"use": "enc"})},
		{name: "keyOpsWithoutVerifyIgnored", jwk: rsa(map[string]any{"use": nil, "key_ops": []string{"encrypt"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			jwkA, _, tokenA, _ := rotationKeys(t)
			srv := newJWKSServer(t)
			body := `{"keys":[` + mustJSON(t, jwkA) + `,` + mustJSON(t, tt.jwk) + `]}`
			srv.answer(http.StatusOK, body)
			v := jwksVerifier(t, srv, nil, nil)
			assertAccepted(t, v, tokenA)
			if st := v.JWKSStatus(); st.Keys != 1 || st.Skipped != tt.wantSkipped || st.LastError != nil {
				t.Errorf("JWKSStatus = %+v, want 1 key, %d skipped, no error", st, tt.wantSkipped)
			}
		})
	}
}

func TestVerifierCloseKeepsFetchedKeys(t *testing.T) {
	t.Parallel()
	jwkA, _, tokenA, _ := rotationKeys(t)
	srv := newJWKSServer(t, jwkA)
	v := jwksVerifier(t, srv, nil, nil)
	assertAccepted(t, v, tokenA)
	v.Close()
	v.Close()
	assertAccepted(t, v, tokenA)

	hsOnly := verifier(t, auth.Config{})
	hsOnly.Close()
	if st := hsOnly.JWKSStatus(); st != (auth.JWKSStatus{}) {
		t.Errorf("JWKSStatus without JWKS = %+v, want zero", st)
	}
}

func TestVerifierCloseAbortsFetchInFlight(t *testing.T) {
	t.Parallel()
	jwkA, _, tokenA, _ := rotationKeys(t)
	srv := newJWKSServer(t, jwkA)
	held, release := srv.hold()
	defer release()
	v := jwksVerifier(t, srv, nil, func(c *auth.Config) { c.JWKSTimeout = time.Hour })
	refused := make(chan error, 1)
	go func() {
		_, err := v.Verify(tokenA)
		refused <- err
	}()
	<-held
	v.Close() // returns once the background refresh has given up
	if err := <-refused; !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("Verify during Close = %v, want ErrInvalidToken", err)
	}
	if st := v.JWKSStatus(); st.Fetches != 1 || !errors.Is(st.LastError, context.Canceled) {
		t.Errorf("JWKSStatus = %+v, want one fetch that was cancelled", st)
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
