package auth

import (
	"sync"
	"time"

	"github.com/customersvc/customersvc/domain"
)

// verifiedCache remembers tokens that verified, so that a client sending
// the same token with every request pays for the signature and the claims
// once. An entry is used only while its token is inside its validity
// window, and at most for cacheTTL, so a key removed from a key set stops
// being honoured within that time. The token string is the key: any
// change to it (a tampered signature, another claim) misses the cache.
type verifiedCache struct {
	mu      sync.RWMutex
	entries map[string]cachedPrincipal
	max     int
}

type cachedPrincipal struct {
	principal  domain.Principal
	notBefore  time.Time // zero: none
	validUntil time.Time // the earlier of exp and when cached + cacheTTL
}

const (
	cacheTTL     = time.Minute
	cacheEntries = 10_000
)

func newVerifiedCache() *verifiedCache {
	return &verifiedCache{entries: make(map[string]cachedPrincipal), max: cacheEntries}
}

func (c *verifiedCache) get(token string, now time.Time) (domain.Principal, bool) {
	c.mu.RLock()
	e, ok := c.entries[token]
	c.mu.RUnlock()
	if !ok || now.Before(e.notBefore) || !now.Before(e.validUntil) {
		return domain.Principal{}, false
	}
	return e.principal, true
}

func (c *verifiedCache) put(token string, e cachedPrincipal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		// Dropping everything is cheap and bounded; the next requests
		// verify again and refill it.
		clear(c.entries)
	}
	c.entries[token] = e
}
