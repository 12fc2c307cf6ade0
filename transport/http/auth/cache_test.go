package auth_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/customersvc/customersvc/transport/http/auth"
)

// TestVerifiedTokensExpireFromTheCache: a token that verified once is not
// honoured past its exp, nor before its nbf, however often it was seen.
func TestVerifiedTokensExpireFromTheCache(t *testing.T) {
	t.Parallel()
	start := time.Now()
	var offset atomic.Int64
	clock := func() time.Time { return start.Add(time.Duration(offset.Load())) }
	v, err := auth.NewVerifier(auth.WithClock(auth.Config{HS256Secret: testSecret}, clock))
	if err != nil {
		t.Fatal(err)
	}
	tok := hs256(t, nested(start, jwt.MapClaims{"exp": start.Add(10 * time.Second).Unix()}))
	for range 3 {
		if _, err := v.Verify(bearer(tok)); err != nil {
			t.Fatalf("fresh token: %v", err)
		}
	}
	offset.Store(int64(11 * time.Second))
	if _, err := v.Verify(bearer(tok)); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("expired token honoured from the cache: %v", err)
	}

	later := hs256(t, nested(start, jwt.MapClaims{"nbf": start.Add(time.Hour).Unix(), "exp": start.Add(2 * time.Hour).Unix()}))
	offset.Store(0)
	if _, err := v.Verify(bearer(later)); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("not-yet-valid token accepted: %v", err)
	}
	tampered := tok[:len(tok)-2] + "xx"
	offset.Store(0)
	if _, err := v.Verify(bearer(tampered)); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("tampered copy of a cached token accepted: %v", err)
	}
}
