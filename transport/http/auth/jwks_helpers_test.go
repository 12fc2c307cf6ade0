package auth_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/customersvc/customersvc/transport/http/auth"
)

// keyRing holds the test's signing keys, generated once per test binary.
type keyRing struct {
	rsa, rsaOther *rsa.PrivateKey
	ec256, ec384  *ecdsa.PrivateKey
	ed            ed25519.PrivateKey
}

var testKeys = sync.OnceValue(func() keyRing {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	var k keyRing
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsaOther, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.ec256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	k.ec384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	must(err)
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return k
})

// jwkOf is k as a public JWK with kid, use "sig" and the alg its type
// serves; edits override members, a nil value removes one.
func jwkOf(t testing.TB, kid string, k any, edits map[string]any) map[string]any {
	t.Helper()
	m := map[string]any{"kid": kid, "use": "sig"}
	switch k := k.(type) {
	case *rsa.PublicKey:
		m["kty"], m["alg"] = "RSA", "RS256"
		m["n"], m["e"] = b64(k.N.Bytes()), b64(big.NewInt(int64(k.E)).Bytes())
	case *ecdsa.PublicKey:
		point, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		size := (len(point) - 1) / 2
		m["kty"], m["crv"] = "EC", k.Curve.Params().Name
		m["alg"] = map[string]string{"P-256": "ES256", "P-384": "ES384"}[k.Curve.Params().Name]
		m["x"], m["y"] = b64(point[1:1+size]), b64(point[1+size:])
	case ed25519.PublicKey:
		m["kty"], m["crv"], m["alg"], m["x"] = "OKP", "Ed25519", "EdDSA", b64(k)
	default:
		t.Fatalf("jwkOf: unsupported key %T", k)
	}
	for name, v := range edits {
		if v == nil {
			delete(m, name)
			continue
		}
		m[name] = v
	}
	return m
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// signKid signs claims with method and key, naming kid in the header; a
// non-string kid is written as is.
func signKid(t testing.TB, method jwt.SigningMethod, key any, kid any, claims jwt.MapClaims) string {
	t.Helper()
	token := jwt.NewWithClaims(method, claims)
	token.Header["kid"] = kid
	s, err := token.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

// tamperSignature flips one bit in the middle of token's signature.
func tamperSignature(t testing.TB, token string) string {
	t.Helper()
	i := strings.LastIndex(token, ".")
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	sig[len(sig)/2] ^= 0x01
	return token[:i+1] + b64(sig)
}

// jwksServer serves a key set and counts the requests it gets.
type jwksServer struct {
	*httptest.Server
	requests atomic.Int64

	mu     sync.Mutex
	status int
	body   []byte
	gate   chan struct{} // when set, requests wait until it is closed
	held   chan struct{} // receives a value when a request waits at gate
}

func newJWKSServer(t testing.TB, keys ...map[string]any) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	s.serve(t, keys...)
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) handle(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	status, body, gate, held := s.status, s.body, s.gate, s.held
	s.mu.Unlock()
	if gate != nil {
		select {
		case held <- struct{}{}:
		default:
		}
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// serve makes the server answer with keys from now on.
func (s *jwksServer) serve(t testing.TB, keys ...map[string]any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	s.answer(http.StatusOK, string(body))
}

// answer makes the server answer with status and body from now on.
func (s *jwksServer) answer(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, []byte(body)
}

// hold makes requests wait until release is called; held receives a value
// each time a request starts waiting.
func (s *jwksServer) hold() (held <-chan struct{}, release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate, s.held = make(chan struct{}), make(chan struct{}, 1)
	return s.held, sync.OnceFunc(func() { close(s.gate) })
}

// fakeClock is a clock tests move by hand.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// jwksVerifier builds a Verifier on srv's key set (over TLS, trusting the
// server's certificate) for the test issuer and audience, with clock (nil:
// the real one), edited by edit (may be nil), closed when the test ends.
func jwksVerifier(t testing.TB, srv *jwksServer, clock *fakeClock, edit func(*auth.Config)) *auth.Verifier {
	t.Helper()
	cfg := auth.Config{JWKSURL: srv.URL + "/oidc/jwks", HTTPClient: srv.Client(), Issuer: testIssuer, Audience: testAudience}
	if edit != nil {
		edit(&cfg)
	}
	if clock != nil {
		cfg = auth.WithClock(cfg, clock.now)
	}
	v, err := auth.NewVerifier(cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

// assertAccepted fails unless v accepts header as the actor of nested
// claims (user-1 of org-1).
func assertAccepted(t testing.TB, v *auth.Verifier, header string) {
	t.Helper()
	got, err := v.Verify(header)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.UserID != "user-1" || got.OrganizationID != "org-1" {
		t.Fatalf("Verify = %+v, want user-1 of org-1", got)
	}
}

// assertRefused fails unless v refuses header with ErrInvalidToken, without
// quoting the token.
func assertRefused(t testing.TB, v *auth.Verifier, header string) {
	t.Helper()
	got, err := v.Verify(header)
	if !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("Verify = %+v, %v; want ErrInvalidToken", got, err)
	}
	assertNoTokenIn(t, err.Error(), header)
}
