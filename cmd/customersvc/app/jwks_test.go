package app_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
)

// TestJWKSTokens runs the service against an OIDC-style key set: RS256
// tokens from it are accepted, and with no HS256 secret configured HS256
// tokens are not.
func TestJWKSTokens(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		}}})
	}))
	defer jwks.Close()
	svc := startService(t, t.TempDir(), func(c *app.Config) {
		c.AuthHS256Secret = ""
		c.AuthJWKSURL = jwks.URL
		c.AuthJWKSAllowHTTP = true // the test's key set is served over http
		c.AuthIssuer = "https://tenant.example/oidc"
		c.AuthAudience = "https://api.customersvc.example"
	})
	rs256 := func(org, role string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
			"sub": "u1", "iss": "https://tenant.example/oidc", "aud": "https://api.customersvc.example", "exp": time.Now().Add(time.Hour).Unix(),
			"organization_id": org, "org_role": role, "scope": "manage:customers read:customers",
		})
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	orgA := "reseller-" + uuid.NewString()
	res := svc.do(t, "POST", "/customers", rs256(orgA, "Reseller"), `{"name":"Via OIDC","custom_data":{"vat":"`+uniqueVAT()+`"}}`)
	if res.status != http.StatusCreated {
		t.Fatalf("RS256 token from the key set: %d %s", res.status, res.body)
	}
	id := res.json(t)["data"].(map[string]any)["id"].(string)
	if got := svc.do(t, "GET", "/customers/"+id, rs256("reseller-"+uuid.NewString(), "Reseller"), nil); got.status != http.StatusNotFound {
		t.Errorf("another tenant read the customer: %d %s", got.status, got.body)
	}
	hs := svc.do(t, "GET", "/customers/"+id, token(t, "Reseller", orgA), nil)
	if hs.status != http.StatusUnauthorized {
		t.Errorf("HS256 token accepted with only a key set configured: %d", hs.status)
	}
}
