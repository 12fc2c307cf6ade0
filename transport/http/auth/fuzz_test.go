package auth_test

import (
	"errors"
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

	v := verifier(f, auth.Config{})
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
		if actor.OrganizationID == "" || actor.OrgRole == "" || actor.UserID == "" {
			t.Fatalf("Verify accepted %q with incomplete actor %+v", header, actor)
		}
	})
}
