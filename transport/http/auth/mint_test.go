package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/transport/http/auth"
)

func TestMintRoundTrips(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  auth.Config
		in   auth.MintClaims
		want domain.Principal
	}{
		{
			name: "actorFromMintedToken",
			in: auth.MintClaims{Subject: "auth0|42", UserID: "user-42", OrganizationID: "org-7", OrgRole: "Reseller",
				Permissions: auth.DefaultPermissions("reseller"), TTL: time.Hour},
			want: domain.Principal{UserID: "user-42", OrganizationID: "org-7", Role: "reseller",
				Permissions: []string{"manage:customers", "read:customers"}},
		},
		{
			name: "subjectStandsInForUserID",
			in:   auth.MintClaims{Subject: "user-9", OrganizationID: "org-9", OrgRole: "customer", TTL: time.Minute},
			want: domain.Principal{UserID: "user-9", OrganizationID: "org-9", Role: "customer"},
		},
		{
			name: "issuerAndAudienceAccepted",
			cfg:  auth.Config{Issuer: "customersvc-cli", Audience: "customersvc"},
			in: auth.MintClaims{UserID: "user-1", OrganizationID: "org-1", OrgRole: "owner",
				Issuer: "customersvc-cli", Audience: "customersvc", TTL: time.Minute},
			want: domain.Principal{UserID: "user-1", OrganizationID: "org-1", Role: "owner"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token, err := auth.Mint(testSecret, tt.in, time.Now())
			if err != nil {
				t.Fatalf("Mint: %v", err)
			}
			got, err := verifier(t, tt.cfg).Verify(bearer(token))
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

func TestMintWritesPlatformLayout(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	token, err := auth.Mint(testSecret, auth.MintClaims{
		Subject: "sub-1", UserID: "user-1", OrganizationID: "org-1", OrgRole: "owner",
		Permissions: []string{"manage:customers"}, Issuer: "iss-1", Audience: "aud-1", TTL: 15 * time.Minute,
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	header, payload := decodeSegment(t, token, 0), decodeSegment(t, token, 1)
	if header["alg"] != "HS256" {
		t.Errorf("alg = %v, want HS256", header["alg"])
	}
	want := `{"aud":["aud-1"],"exp":1700000900,"iat":1700000000,"iss":"iss-1","nbf":1700000000,"sub":"sub-1",` +
		`"user":{"id":"user-1","org_permissions":[],"org_role":"owner","organization_id":"org-1","user_permissions":["manage:customers"]}}`
	if got := canonical(t, payload); got != want {
		t.Errorf("payload =\n%s\nwant\n%s", got, want)
	}
}

func TestMintRefusesUnusableClaims(t *testing.T) {
	t.Parallel()
	ok := auth.MintClaims{UserID: "user-1", OrganizationID: "org-1", OrgRole: "owner", TTL: time.Minute}
	tests := []struct {
		name   string
		secret []byte
		edit   func(*auth.MintClaims)
		want   string
	}{
		{name: "shortSecret", secret: []byte("short"), edit: func(*auth.MintClaims) {}, want: "at least 32 bytes"},
		{name: "missingUser", secret: testSecret, edit: func(c *auth.MintClaims) { c.UserID = "" }, want: "Subject or UserID"},
		{name: "missingOrganization", secret: testSecret, edit: func(c *auth.MintClaims) { c.OrganizationID = " " }, want: "OrganizationID"},
		{name: "missingRole", secret: testSecret, edit: func(c *auth.MintClaims) { c.OrgRole = "" }, want: "OrgRole"},
		{name: "zeroTTL", secret: testSecret, edit: func(c *auth.MintClaims) { c.TTL = 0 }, want: "TTL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := ok
			tt.edit(&c)
			token, err := auth.Mint(tt.secret, c, time.Now())
			if err == nil || token != "" {
				t.Fatalf("Mint = %q, %v; want an error", token, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestMintedTokenExpires(t *testing.T) {
	t.Parallel()
	token, err := auth.Mint(testSecret, auth.MintClaims{UserID: "u", OrganizationID: "o", OrgRole: "owner", TTL: time.Minute},
		time.Now().Add(-2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verifier(t, auth.Config{}).Verify(bearer(token)); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Verify error = %v, want ErrInvalidToken", err)
	}
}

func TestDefaultPermissions(t *testing.T) {
	t.Parallel()
	manage := []string{domain.PermissionManageCustomers, domain.PermissionReadCustomers}
	tests := []struct {
		role string
		want []string
	}{
		{"owner", manage},
		{"Distributor", manage},
		{"reseller", manage},
		{"customer", []string{domain.PermissionReadCustomers}},
		{"guest", nil},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run("role_"+tt.role, func(t *testing.T) {
			t.Parallel()
			if got := auth.DefaultPermissions(tt.role); !slices.Equal(got, tt.want) {
				t.Errorf("DefaultPermissions(%q) = %v, want %v", tt.role, got, tt.want)
			}
		})
	}
}

func decodeSegment(t testing.TB, token string, i int) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[i])
	if err != nil {
		t.Fatalf("decode segment %d: %v", i, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("unmarshal segment %d: %v", i, err)
	}
	return m
}

// canonical re-encodes v with sorted keys so it can be compared as text.
func canonical(t testing.TB, v map[string]any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
