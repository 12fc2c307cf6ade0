package auth

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// maxJWKSBytes bounds the key set read from the provider.
const maxJWKSBytes = 1 << 20

// JWKSStatus describes a Verifier's key set, for health checks and metrics.
type JWKSStatus struct {
	// Keys is the number of signature keys held.
	Keys int
	// Skipped counts the keys of the last set fetched that were malformed or
	// of an unsupported type; they were left out without failing the set.
	Skipped int
	// Fetches and FailedFetches count the fetches since construction.
	Fetches, FailedFetches int
	// LastFetch is when the last fetch started; zero before the first.
	LastFetch time.Time
	// LastSuccess is when the last successful fetch started; zero before
	// the first. Keys are trusted until LastSuccess + JWKSMaxStaleness.
	LastSuccess time.Time
	// LastError is the last fetch's failure, nil if it succeeded.
	LastError error
}

// keySet holds an OIDC provider's signature keys, fetched from its JWKS URL.
//
// Lookups read an immutable snapshot without locking. Fetches are shared: at
// most one is in flight, and callers asking meanwhile wait for its result
// instead of starting another. A new fetch starts at most once per
// minRefetch, whoever asks for it (the background refresh or a token with an
// unknown kid), so a flood of such tokens costs the provider one request per
// interval. A failed fetch leaves the snapshot as it was, but only for
// maxStale after the last successful one: past that the keys are refused
// until a fetch succeeds.
type keySet struct {
	url        string
	client     *http.Client
	timeout    time.Duration
	minRefetch time.Duration
	maxStale   time.Duration
	now        func() time.Time

	ctx    context.Context // cancelled by close; aborts a fetch in flight
	cancel context.CancelFunc
	done   chan struct{} // closed when the refresh loop has returned

	keys atomic.Pointer[keyMap]
	// fetchedAt is when the fetch that produced keys started (UnixNano).
	fetchedAt atomic.Int64

	mu       sync.Mutex
	inflight *fetchCall // guarded by mu
	status   JWKSStatus // guarded by mu; Keys is filled in by snapshot
}

// fetchCall is a fetch that other callers may wait for.
type fetchCall struct {
	done chan struct{}
	err  error // set before done is closed
}

// errRefetchTooSoon says a fetch was skipped because the last one is recent.
var errRefetchTooSoon = errors.New("JWKS refetch skipped: the last fetch is too recent")

// errUnknownKid says no held key carries the token's kid.
var errUnknownKid = errors.New("no JWKS key with the token's kid")

// errStaleKeys says the key set could not be refreshed for longer than
// JWKSMaxStaleness, so its keys are no longer trusted.
var errStaleKeys = errors.New("the JWKS could not be refreshed for longer than JWKSMaxStaleness; its keys are not trusted")

// newKeySet starts the background refresh: a first fetch at once, then one
// every cfg.JWKSRefreshInterval. The provider need not be up: until a fetch
// succeeds, tokens are refused. Stop it with close.
func newKeySet(cfg Config) *keySet {
	ctx, cancel := context.WithCancel(context.Background())
	s := &keySet{
		url: cfg.JWKSURL, client: cfg.HTTPClient, timeout: cfg.JWKSTimeout,
		minRefetch: cfg.JWKSMinRefetchInterval, maxStale: cfg.JWKSMaxStaleness, now: cfg.now,
		ctx: ctx, cancel: cancel, done: make(chan struct{}),
	}
	go s.run(cfg.JWKSRefreshInterval)
	return s
}

func (s *keySet) run(every time.Duration) {
	defer close(s.done)
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	// The warm-up is skipped when a token has already caused a fetch.
	_ = s.refresh(time.Duration(math.MaxInt64))
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-ticker.C:
			_ = s.refresh(s.minRefetch)
		}
	}
}

// close stops the refresh loop and aborts a fetch in flight. Keys held stay
// usable. It may be called more than once.
func (s *keySet) close() {
	s.cancel()
	<-s.done
}

// key returns the public key for a token with kid signed with alg. An
// unknown kid, or keys gone stale, trigger a fetch (rate-limited and
// shared, see keySet), which may block the caller for up to the fetch
// timeout.
func (s *keySet) key(kid, alg string) (crypto.PublicKey, error) {
	key, err := s.find(kid, alg)
	if !errors.Is(err, errUnknownKid) && !errors.Is(err, errStaleKeys) {
		return key, err
	}
	ferr := s.refresh(s.minRefetch)
	key, err = s.find(kid, alg)
	if (errors.Is(err, errUnknownKid) || errors.Is(err, errStaleKeys)) && ferr != nil {
		err = fmt.Errorf("%w; %w", err, ferr)
	}
	return key, err
}

// find looks kid up in the snapshot; of several keys with that kid, the
// first that fits alg wins.
func (s *keySet) find(kid, alg string) (crypto.PublicKey, error) {
	m := s.keys.Load()
	if m == nil {
		return nil, fmt.Errorf("%w (no key set fetched yet)", errUnknownKid)
	}
	if !s.now().Before(s.trustedUntil()) {
		return nil, errStaleKeys
	}
	candidates := (*m)[kid]
	if len(candidates) == 0 {
		return nil, errUnknownKid
	}
	var errs []error
	for _, k := range candidates {
		err := k.fits(alg)
		if err == nil {
			return k.key, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// refresh fetches the key set unless a fetch started less than notWithin
// ago; if one is in flight it waits for that one instead.
// trustedUntil is when the keys held stop being trusted unless a fetch
// succeeds meanwhile.
func (s *keySet) trustedUntil() time.Time {
	return time.Unix(0, s.fetchedAt.Load()).Add(s.maxStale)
}

func (s *keySet) refresh(notWithin time.Duration) error {
	s.mu.Lock()
	if c := s.inflight; c != nil {
		s.mu.Unlock()
		<-c.done
		return c.err
	}
	last := s.status.LastFetch
	if !last.IsZero() && s.now().Sub(last) < notWithin {
		s.mu.Unlock()
		return errRefetchTooSoon
	}
	c := &fetchCall{done: make(chan struct{})}
	s.inflight = c
	started := s.now()
	s.status.LastFetch = started
	s.mu.Unlock()

	keys, skipped, err := s.fetch()

	s.mu.Lock()
	s.record(keys, skipped, err, started)
	s.inflight = nil
	s.mu.Unlock()
	c.err = err
	close(c.done)
	return err
}

// record notes the outcome of a fetch that started at started; the caller
// holds mu.
func (s *keySet) record(keys keyMap, skipped int, err error, started time.Time) {
	s.status.Fetches++
	s.status.LastError = err
	if err != nil {
		s.status.FailedFetches++
		return
	}
	s.status.Skipped = skipped
	s.status.LastSuccess = started
	s.fetchedAt.Store(started.UnixNano())
	s.keys.Store(&keys)
}

func (s *keySet) fetch() (keyMap, int, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("auth: JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("auth: fetch JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// The client follows no redirect (Config.setDefaults); the target
		// is not quoted, it may carry credentials.
		return nil, 0, fmt.Errorf("auth: fetch JWKS: %s: redirects are not followed; configure the key set's final https URL", resp.Status)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("auth: fetch JWKS: %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("auth: read JWKS: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return nil, 0, fmt.Errorf("auth: JWKS larger than %d bytes", maxJWKSBytes)
	}
	return parseKeySet(body)
}

func (s *keySet) snapshot() JWKSStatus {
	s.mu.Lock()
	st := s.status
	s.mu.Unlock()
	if m := s.keys.Load(); m != nil {
		st.Keys = m.size()
	}
	return st
}
