package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/transport/http/auth"
)

func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	now := time.Now()
	nestedUser := func(perms map[string]any) map[string]any {
		u := map[string]any{"id": "user-1", "organization_id": "org-1", "org_role": "owner"}
		for k, v := range perms {
			u[k] = v
		}
		return u
	}
	tests := []struct {
		name   string
		cfg    auth.Config
		header string
		want   domain.Principal
	}{
		{
			name:   "actorFromNestedToken",
			header: bearer(hs256(t, nested(now, nil))),
			want: domain.Principal{UserID: "user-1", OrganizationID: "org-1", Role: "distributor",
				Permissions: []string{"manage:customers", "read:customers"}},
		},
		{
			name:   "actorFromFlatPermissionsArray",
			header: bearer(hs256(t, flat(now, nil))),
			want:   domain.Principal{UserID: "user-2", OrganizationID: "org-2", Role: "customer", Permissions: []string{"read:customers"}},
		},
		{
			name:   "actorFromFlatScopeString",
			header: bearer(hs256(t, flat(now, jwt.MapClaims{"permissions": nil, "scope": "read:customers  manage:customers"}))),
			want: domain.Principal{UserID: "user-2", OrganizationID: "org-2", Role: "customer",
				Permissions: []string{"read:customers", "manage:customers"}},
		},
		{
			name: "permissionOnlyInOrgPermissionsCounts",
			header: bearer(hs256(t, nested(now, jwt.MapClaims{"user": nestedUser(map[string]any{
				"user_permissions": []string{}, "org_permissions": []string{"manage:customers"}})}))),
			want: domain.Principal{UserID: "user-1", OrganizationID: "org-1", Role: "owner", Permissions: []string{"manage:customers"}},
		},
		{
			name: "nestedWinsOverFlatAndPermissionsUnion",
			header: bearer(hs256(t, nested(now, jwt.MapClaims{
				"organization_id": "org-flat", "org_role": "customer",
				"permissions": []string{"read:customers", "extra:a"}, "scope": "extra:b read:customers",
			}))),
			want: domain.Principal{UserID: "user-1", OrganizationID: "org-1", Role: "distributor",
				Permissions: []string{"manage:customers", "read:customers", "extra:a", "extra:b"}},
		},
		{
			name:   "flatFillsWhatNestedLacks",
			header: bearer(hs256(t, flat(now, jwt.MapClaims{"user": map[string]any{"org_role": "Owner"}}))),
			want:   domain.Principal{UserID: "user-2", OrganizationID: "org-2", Role: "owner", Permissions: []string{"read:customers"}},
		},
		{
			name:   "roleUpperCaseNormalized",
			header: bearer(hs256(t, flat(now, jwt.MapClaims{"org_role": "RESELLER"}))),
			want:   domain.Principal{UserID: "user-2", OrganizationID: "org-2", Role: "reseller", Permissions: []string{"read:customers"}},
		},
		{
			name:   "schemeCaseInsensitive",
			header: "bEaReR " + hs256(t, flat(now, nil)),
			want:   domain.Principal{UserID: "user-2", OrganizationID: "org-2", Role: "customer", Permissions: []string{"read:customers"}},
		},
		{
			name:   "issuerMatches",
			cfg:    auth.Config{Issuer: "https://idp.example"},
			header: bearer(hs256(t, flat(now, jwt.MapClaims{"iss": "https://idp.example"}))),
			want:   domain.Principal{UserID: "user-2", OrganizationID: "org-2", Role: "customer", Permissions: []string{"read:customers"}},
		},
		{
			name:   "audienceStringMatches",
			cfg:    auth.Config{Audience: "customersvc"},
			header: bearer(hs256(t, flat(now, jwt.MapClaims{"aud": "customersvc"}))),
			want:   domain.Principal{UserID: "user-2", OrganizationID: "org-2", Role: "customer", Permissions: []string{"read:customers"}},
		},
		{
			name:   "audienceArrayMatches",
			cfg:    auth.Config{Audience: "customersvc"},
			header: bearer(hs256(t, flat(now, jwt.MapClaims{"aud": []string{"billing", "customersvc"}}))),
			want:   domain.Principal{UserID: "user-2", OrganizationID: "org-2", Role: "customer", Permissions: []string{"read:customers"}},
		},
		{
			name:   "expiredWithinLeeway",
			cfg:    auth.Config{Leeway: time.Minute},
			header: bearer(hs256(t, flat(now, jwt.MapClaims{"exp": now.Add(-30 * time.Second).Unix()}))),
			want:   domain.Principal{UserID: "user-2", OrganizationID: "org-2", Role: "customer", Permissions: []string{"read:customers"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := verifier(t, tt.cfg).Verify(tt.header)
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

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	now := time.Now()
	valid := hs256(t, nested(now, nil))
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		cfg    auth.Config
		header string
	}{
		{name: "expired", header: bearer(hs256(t, nested(now, jwt.MapClaims{"exp": now.Add(-time.Second).Unix()})))},
		{name: "expiredBeyondLeeway", cfg: auth.Config{Leeway: 10 * time.Second},
			header: bearer(hs256(t, nested(now, jwt.MapClaims{"exp": now.Add(-time.Minute).Unix()})))},
		{name: "notBeforeInFuture", header: bearer(hs256(t, nested(now, jwt.MapClaims{"nbf": now.Add(time.Minute).Unix()})))},
		{name: "issuedInFuture", header: bearer(hs256(t, nested(now, jwt.MapClaims{"iat": now.Add(time.Minute).Unix()})))},
		{name: "missingExp", header: bearer(hs256(t, nested(now, jwt.MapClaims{"exp": nil})))},
		{name: "expNotANumber", header: bearer(hs256(t, nested(now, jwt.MapClaims{"exp": "tomorrow"})))},
		{name: "algNone", header: bearer(unsigned(t, nested(now, nil)))},
		{name: "algHS384SameSecret", header: bearer(sign(t, jwt.SigningMethodHS384, testSecret, nested(now, nil)))},
		{name: "algRS256", header: bearer(sign(t, jwt.SigningMethodRS256, rsaKey, nested(now, nil)))},
		{name: "tamperedPayload", header: bearer(withPayload(t, valid, nested(now, jwt.MapClaims{"sub": "someone-else"})))},
		{name: "strippedSignature", header: bearer(valid[:strings.LastIndex(valid, ".")+1])},
		{name: "wrongSecret", header: bearer(sign(t, jwt.SigningMethodHS256, []byte("another-secret-0123456789abcdef-xyz"), nested(now, nil)))},
		{name: "issuerMismatch", cfg: auth.Config{Issuer: "https://idp.example"},
			header: bearer(hs256(t, nested(now, jwt.MapClaims{"iss": "https://evil.example"})))},
		{name: "issuerMissing", cfg: auth.Config{Issuer: "https://idp.example"},
			header: bearer(hs256(t, nested(now, jwt.MapClaims{"iss": nil})))},
		{name: "audienceStringMismatch", cfg: auth.Config{Audience: "customersvc"},
			header: bearer(hs256(t, nested(now, jwt.MapClaims{"aud": "billing"})))},
		{name: "audienceArrayMismatch", cfg: auth.Config{Audience: "customersvc"},
			header: bearer(hs256(t, nested(now, jwt.MapClaims{"aud": []string{"billing", "crm"}})))},
		{name: "audienceMissing", cfg: auth.Config{Audience: "customersvc"},
			header: bearer(hs256(t, nested(now, jwt.MapClaims{"aud": nil})))},
		{name: "missingHeader", header: ""},
		{name: "basicScheme", header: "Basic dXNlcjpwYXNz"},
		{name: "basicSchemeWithValidToken", header: "Basic " + valid},
		{name: "bearerWithoutToken", header: "Bearer"},
		{name: "bearerWithBlankToken", header: "Bearer    "},
		{name: "tokenWithoutScheme", header: valid},
		{name: "garbage", header: "Bearer not.a.jwt"},
		{name: "garbageOneSegment", header: "Bearer garbage"},
		{name: "missingOrganizationID", header: bearer(hs256(t, flat(now, jwt.MapClaims{"organization_id": nil})))},
		{name: "blankOrganizationID", header: bearer(hs256(t, flat(now, jwt.MapClaims{"organization_id": "  "})))},
		{name: "missingOrgRole", header: bearer(hs256(t, flat(now, jwt.MapClaims{"org_role": nil})))},
		{name: "missingUserID", header: bearer(hs256(t, flat(now, jwt.MapClaims{"sub": nil})))},
		{name: "userNotAnObject", header: bearer(hs256(t, nested(now, jwt.MapClaims{"user": "user-1"})))},
		{name: "permissionsNotAnArray", header: bearer(hs256(t, flat(now, jwt.MapClaims{"permissions": "read:customers"})))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := verifier(t, tt.cfg).Verify(tt.header)
			if !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("Verify error = %v, want ErrInvalidToken", err)
			}
			if got.UserID != "" || got.OrganizationID != "" || got.Role != "" || got.Permissions != nil {
				t.Errorf("Verify returned actor %+v alongside an error", got)
			}
			assertNoTokenIn(t, err.Error(), tt.header)
		})
	}
}

func TestNewVerifierRefusesInvalidConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  auth.Config
		want []string
	}{
		{name: "missingSecret", cfg: auth.Config{}, want: []string{"at least 32 bytes", "got 0"}},
		{name: "shortSecret", cfg: auth.Config{HS256Secret: []byte("short")}, want: []string{"at least 32 bytes", "got 5"}},
		{name: "negativeLeeway", cfg: auth.Config{HS256Secret: testSecret, Leeway: -time.Second}, want: []string{"Leeway"}},
		{name: "allProblemsJoined", cfg: auth.Config{Leeway: -time.Second}, want: []string{"32 bytes", "Leeway"}},
		{name: "shortSecretWithJWKS", cfg: auth.Config{HS256Secret: []byte("short"), JWKSURL: "https://idp.example/oidc/jwks"},
			want: []string{"at least 32 bytes", "got 5"}},
		{name: "jwksURLRelative", cfg: auth.Config{JWKSURL: "/oidc/jwks"}, want: []string{"JWKSURL"}},
		{name: "jwksURLWithoutHost", cfg: auth.Config{JWKSURL: "https:///oidc/jwks"}, want: []string{"JWKSURL"}},
		{name: "jwksURLNotHTTP", cfg: auth.Config{JWKSURL: "ftp://idp.example/jwks"}, want: []string{"JWKSURL"}},
		{name: "jwksURLUnparsable", cfg: auth.Config{JWKSURL: "https://idp.example/%zz"}, want: []string{"JWKSURL"}},
		{name: "jwksDurationsNegative", cfg: auth.Config{JWKSURL: "https://idp.example/oidc/jwks",
			JWKSRefreshInterval: -time.Minute, JWKSMinRefetchInterval: -time.Second, JWKSTimeout: -time.Second},
			want: []string{"JWKSRefreshInterval", "JWKSMinRefetchInterval", "JWKSTimeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := auth.NewVerifier(tt.cfg)
			if err == nil || v != nil {
				t.Fatalf("NewVerifier = %v, %v; want an error", v, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestNewVerifierDoesNotNeedTheProvider checks a Verifier can be built with
// its JWKS URL unreachable: it refuses such tokens but still takes HS256 ones.
func TestNewVerifierDoesNotNeedTheProvider(t *testing.T) {
	t.Parallel()
	srv := newJWKSServer(t)
	srv.Close()
	v := jwksVerifier(t, srv, nil, withSecret)
	k := testKeys()
	assertRefused(t, v, bearer(signKid(t, jwt.SigningMethodRS256, k.rsa, "rsa-1", nested(time.Now(), nil))))
	assertAccepted(t, v, bearer(hs256(t, nested(time.Now(), nil))))
}

// TestVerifierKeepsItsOwnSecret checks the Verifier copies the secret, so a
// caller reusing its buffer cannot change what tokens are accepted.
func TestVerifierKeepsItsOwnSecret(t *testing.T) {
	t.Parallel()
	secret := slices.Clone(testSecret)
	v, err := auth.NewVerifier(auth.Config{HS256Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	clear(secret)
	if _, err := v.Verify(bearer(hs256(t, nested(time.Now(), nil)))); err != nil {
		t.Errorf("Verify after caller cleared its secret: %v", err)
	}
}

// verifier builds a Verifier from cfg with the test secret.
func verifier(t testing.TB, cfg auth.Config) *auth.Verifier {
	t.Helper()
	cfg.HS256Secret = testSecret
	v, err := auth.NewVerifier(cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

// assertNoTokenIn fails when msg quotes the token or any long part of it.
func assertNoTokenIn(t testing.TB, msg, header string) {
	t.Helper()
	_, token, _ := strings.Cut(header, " ")
	for _, part := range append(strings.Split(token, "."), token, header) {
		if len(part) >= 8 && strings.Contains(msg, part) {
			t.Errorf("error %q quotes the token", msg)
		}
	}
}
