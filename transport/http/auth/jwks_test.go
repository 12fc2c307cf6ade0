package auth_test

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/transport/http/auth"
)

// providerKeys is the key set of the shared test provider: one key of each
// supported type, plus keys that must never verify a token.
func providerKeys(t testing.TB) []map[string]any {
	k := testKeys()
	return []map[string]any{
		jwkOf(t, "rsa-1", &k.rsa.PublicKey, nil),
		jwkOf(t, "ec-1", &k.ec256.PublicKey, nil),
		jwkOf(t, "ec384-1", &k.ec384.PublicKey, nil),
		jwkOf(t, "ed-1", k.ed.Public().(ed25519.PublicKey), nil),
		jwkOf(t, "rsa-bare", &k.rsa.PublicKey, map[string]any{"alg": nil, "use": nil}),
		jwkOf(t, "rsa-ps256", &k.rsa.PublicKey, map[string]any{"alg": "PS256"}),
		jwkOf(t, "rsa-enc", &k.rsa.PublicKey, map[string]any{"use": "enc"}),
		{"kty": "oct", "kid": "hmac", "use": "sig", "alg": "HS256", "k": b64(testSecret)},
	}
}

func withSecret(c *auth.Config) { c.HS256Secret = testSecret }

func TestVerifyJWKSAccepts(t *testing.T) {
	t.Parallel()
	k, now := testKeys(), time.Now()
	srv := newJWKSServer(t, providerKeys(t)...)
	nestedActor := domain.Principal{UserID: "user-1", OrganizationID: "org-1", Role: "distributor",
		Permissions: []string{"manage:customers", "read:customers"}}
	tests := []struct {
		name   string
		edit   func(*auth.Config)
		header string
		want   domain.Principal
	}{
		{name: "rs256Accepted", header: bearer(signKid(t, jwt.SigningMethodRS256, k.rsa, "rsa-1", nested(now, nil))), want: nestedActor},
		{name: "es256Accepted", header: bearer(signKid(t, jwt.SigningMethodES256, k.ec256, "ec-1", nested(now, nil))), want: nestedActor},
		{name: "es384Accepted", header: bearer(signKid(t, jwt.SigningMethodES384, k.ec384, "ec384-1", nested(now, nil))), want: nestedActor},
		{name: "edDSAAccepted", header: bearer(signKid(t, jwt.SigningMethodEdDSA, k.ed, "ed-1", nested(now, nil))), want: nestedActor},
		{name: "jwkWithoutAlgOrUseAccepted",
			header: bearer(signKid(t, jwt.SigningMethodRS256, k.rsa, "rsa-bare", nested(now, nil))), want: nestedActor},
		{name: "flatClaimsAccepted",
			header: bearer(signKid(t, jwt.SigningMethodES256, k.ec256, "ec-1", flat(now, jwt.MapClaims{"scope": "read:customers extra:a"}))),
			want: domain.Principal{UserID: "user-2", OrganizationID: "org-2", Role: "customer",
				Permissions: []string{"read:customers", "extra:a"}}},
		{name: "issuerAndAudienceMatch",
			edit: func(c *auth.Config) { c.Issuer, c.Audience = "https://idp.example/oidc", "https://api.customersvc" },
			header: bearer(signKid(t, jwt.SigningMethodRS256, k.rsa, "rsa-1", nested(now, jwt.MapClaims{
				"iss": "https://idp.example/oidc", "aud": []string{"https://api.customersvc"}}))),
			want: nestedActor},
		{name: "hs256AcceptedAlongsideJWKS", edit: withSecret, header: bearer(hs256(t, nested(now, nil))), want: nestedActor},
		{name: "rs256AcceptedAlongsideSecret", edit: withSecret,
			header: bearer(signKid(t, jwt.SigningMethodRS256, k.rsa, "rsa-1", nested(now, nil))), want: nestedActor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := jwksVerifier(t, srv, nil, tt.edit).Verify(tt.header)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got.UserID != tt.want.UserID || got.OrganizationID != tt.want.OrganizationID ||
				got.Role != tt.want.Role || !slices.Equal(got.Permissions, tt.want.Permissions) {
				t.Errorf("Verify = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestVerifyJWKSRefuses(t *testing.T) {
	t.Parallel()
	k, now := testKeys(), time.Now()
	srv := newJWKSServer(t, providerKeys(t)...)
	rs256 := func(kid any, claims jwt.MapClaims) string {
		return bearer(signKid(t, jwt.SigningMethodRS256, k.rsa, kid, claims))
	}
	pkix, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pkixPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	pkcs1 := x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)
	hsWith := func(secret []byte) string {
		return bearer(signKid(t, jwt.SigningMethodHS256, secret, "rsa-1", nested(now, nil)))
	}
	noneWithKid := bearer(segment(t, map[string]string{"alg": "none", "kid": "rsa-1"}) + "." + segment(t, nested(now, nil)) + ".")
	onlySecret := func(c *auth.Config) { c.JWKSURL, c.HS256Secret = "", testSecret }
	tests := []struct {
		name   string
		edit   func(*auth.Config)
		header string
	}{
		{name: "expired", header: rs256("rsa-1", nested(now, jwt.MapClaims{"exp": now.Add(-time.Second).Unix()}))},
		{name: "notYetValid", header: rs256("rsa-1", nested(now, jwt.MapClaims{"nbf": now.Add(time.Minute).Unix()}))},
		{name: "issuedInFuture", header: rs256("rsa-1", nested(now, jwt.MapClaims{"iat": now.Add(time.Minute).Unix()}))},
		{name: "missingExp", header: rs256("rsa-1", nested(now, jwt.MapClaims{"exp": nil}))},
		{name: "wrongIssuer", edit: func(c *auth.Config) { c.Issuer = "https://idp.example/oidc" },
			header: rs256("rsa-1", nested(now, jwt.MapClaims{"iss": "https://evil.example/oidc"}))},
		{name: "wrongAudience", edit: func(c *auth.Config) { c.Audience = "https://api.customersvc" },
			header: rs256("rsa-1", nested(now, jwt.MapClaims{"aud": "https://api.billing"}))},
		{name: "missingOrganizationID", header: rs256("rsa-1", flat(now, jwt.MapClaims{"organization_id": nil}))},
		{name: "algNone", header: bearer(unsigned(t, nested(now, nil)))},
		{name: "algNoneWithKid", header: noneWithKid},
		{name: "algNoneWithKidAlongsideSecret", edit: withSecret, header: noneWithKid},
		{name: "hs256WithRSAPublicKeyPKIXAsSecret", edit: withSecret, header: hsWith(pkix)},
		{name: "hs256WithRSAPublicKeyPEMAsSecret", edit: withSecret, header: hsWith(pkixPEM)},
		{name: "hs256WithRSAPublicKeyPKCS1AsSecret", edit: withSecret, header: hsWith(pkcs1)},
		{name: "hs256WithRSAPublicKeyPEMAsSecretJWKSOnly", header: hsWith(pkixPEM)},
		{name: "hs256WithRSAModulusAsSecretJWKSOnly", header: hsWith(k.rsa.N.Bytes())},
		{name: "hs256WhenOnlyJWKSConfigured", header: bearer(hs256(t, nested(now, nil)))},
		{name: "hs256WithOctKeyOfJWKS",
			header: bearer(signKid(t, jwt.SigningMethodHS256, testSecret, "hmac", nested(now, nil)))},
		{name: "rs256WhenOnlySecretConfigured", edit: onlySecret, header: rs256("rsa-1", nested(now, nil))},
		{name: "tamperedRS256Signature", header: bearer(tamperSignature(t, signKid(t, jwt.SigningMethodRS256, k.rsa, "rsa-1", nested(now, nil))))},
		{name: "tamperedES256Signature", header: bearer(tamperSignature(t, signKid(t, jwt.SigningMethodES256, k.ec256, "ec-1", nested(now, nil))))},
		{name: "tamperedEdDSASignature", header: bearer(tamperSignature(t, signKid(t, jwt.SigningMethodEdDSA, k.ed, "ed-1", nested(now, nil))))},
		{name: "tamperedPayload", header: bearer(withPayload(t, signKid(t, jwt.SigningMethodRS256, k.rsa, "rsa-1", nested(now, nil)),
			nested(now, jwt.MapClaims{"sub": "someone-else"})))},
		{name: "signedByOtherKeyWithSameKid", header: bearer(signKid(t, jwt.SigningMethodRS256, k.rsaOther, "rsa-1", nested(now, nil)))},
		{name: "jwkAlgDisagreesWithHeader", header: rs256("rsa-ps256", nested(now, nil))},
		{name: "es256HeaderOnRSAKey", header: bearer(signKid(t, jwt.SigningMethodES256, k.ec256, "rsa-1", nested(now, nil)))},
		{name: "es384HeaderOnP256Key", header: bearer(signKid(t, jwt.SigningMethodES384, k.ec384, "ec-1", nested(now, nil)))},
		{name: "encryptionKeyIgnored", header: rs256("rsa-enc", nested(now, nil))},
		{name: "unsupportedAlgRS512", header: bearer(signKid(t, jwt.SigningMethodRS512, k.rsa, "rsa-bare", nested(now, nil)))},
		{name: "missingKid", header: bearer(sign(t, jwt.SigningMethodRS256, k.rsa, nested(now, nil)))},
		{name: "kidNotAString", header: rs256(7, nested(now, nil))},
		{name: "unknownKid", header: rs256("rsa-unknown", nested(now, nil))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertRefused(t, jwksVerifier(t, srv, nil, tt.edit), tt.header)
		})
	}
}
