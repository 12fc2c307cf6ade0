package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/customersvc/customersvc/transport/http/auth"
)

// loadConfig is one run of load.
type loadConfig struct {
	URL         string
	Secret      []byte
	Concurrency int
	Duration    time.Duration
	Orgs        int // parent organizations the creates are spread over
	// Mix is the kinds of request and how often each is sent; the zero
	// mix sends creates only.
	Mix mix
	// Rate, when above zero, paces the requests to this many a second across
	// all clients, and each latency counts from when its request was due,
	// so a service falling behind shows as growing latencies rather than
	// as fewer requests sent.
	Rate float64
}

// Result is what one run measured; it is also the JSON written per run.
type Result struct {
	Concurrency     int            `json:"concurrency"`
	TargetRate      float64        `json:"target_rate,omitempty"`
	DurationSeconds float64        `json:"duration_seconds"`
	Requests        int64          `json:"requests"`
	Created         int64          `json:"created"`
	CreatesPerSec   float64        `json:"creates_per_sec"`
	LatencyMs       Percentiles    `json:"latency_ms"`
	Errors          map[string]int `json:"errors_by_status"`
	LagSamples      int            `json:"lag_samples"`
	LagMs           Percentiles    `json:"projection_lag_ms"`
	ServiceRSSMB    float64        `json:"service_rss_mb,omitempty"`
	// Mix, the throughput of successful requests of every kind, and the
	// figures per kind and of all kinds together; Created, CreatesPerSec
	// and LatencyMs above are the creates', Requests and Errors every
	// kind's.
	Mix              string       `json:"mix"`
	ThroughputPerSec float64      `json:"throughput_per_sec"`
	Kinds            []KindResult `json:"kinds"`
	Total            KindResult   `json:"total"`
}

// KindResult is what one run measured of one kind of request.
type KindResult struct {
	Kind      string         `json:"kind"`
	Requests  int64          `json:"requests"`
	OK        int64          `json:"ok"`
	OKPerSec  float64        `json:"ok_per_sec"`
	LatencyMs Percentiles    `json:"latency_ms"`
	Errors    map[string]int `json:"errors_by_status"`
}

// Percentiles of a set of durations, in milliseconds.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	at := func(q float64) float64 {
		i := int(q * float64(len(d)-1))
		return float64(d[i].Microseconds()) / 1000
	}
	return Percentiles{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: at(1)}
}

type loader struct {
	cfg      loadConfig
	client   *http.Client
	tokens   []string
	rings    []*orgRing // per token: the customers created with it
	basePath string     // the URL's path, without a trailing slash
	seq      atomic.Int64
	runID    string
}

func newLoader(cfg loadConfig) (*loader, error) {
	l := &loader{
		cfg: cfg,
		client: &http.Client{Transport: &http.Transport{
			MaxIdleConns: cfg.Concurrency + 8, MaxIdleConnsPerHost: cfg.Concurrency + 8,
		}, Timeout: 30 * time.Second},
		runID: fmt.Sprintf("%06d", rand.IntN(1_000_000)),
	}
	if l.cfg.Mix.total == 0 {
		l.cfg.Mix = mustParseMix(createsOnly)
	}
	if u, err := url.Parse(cfg.URL); err == nil {
		l.basePath = strings.TrimRight(u.EscapedPath(), "/")
	}
	for i := range max(cfg.Orgs, 1) {
		tok, err := auth.Mint(cfg.Secret, auth.MintClaims{
			UserID: "loadgen", OrganizationID: fmt.Sprintf("loadgen-%s-reseller-%d", l.runID, i), OrgRole: "Reseller",
			Permissions: auth.DefaultPermissions("reseller"), TTL: 2 * time.Hour,
		}, time.Now())
		if err != nil {
			return nil, err
		}
		l.tokens = append(l.tokens, tok)
		l.rings = append(l.rings, &orgRing{})
	}
	return l, nil
}

// body returns a unique valid customer: the VAT is unique per run. It is
// built by appending, not by encoding a map, to leave the CPU to the service.
func (l *loader) body() (c sentCustomer, body []byte) {
	n := l.seq.Add(1)
	c.name = "Loadgen " + l.runID + " " + strconv.FormatInt(n, 10)
	c.vat = fmt.Sprintf("IT%s%05d", l.runID, n%100_000)
	if n >= 100_000 {
		c.vat = "LG" + l.runID + strconv.FormatInt(n, 10)
	}
	body = make([]byte, 0, 192)
	body = append(body, `{"name":"`...)
	body = append(body, c.name...)
	body = append(body, `","description":"created by loadgen","custom_data":{"vat":"`...)
	body = append(body, c.vat...)
	body = append(body, `","email":"load@example.com","region":"Italy"}}`...)
	return c, body
}

// newPoster returns a load client's connection: its own raw keep-alive
// connection for a plain http:// service, the shared net/http client
// otherwise.
func (l *loader) newPoster() poster {
	if u, err := url.Parse(l.cfg.URL); err == nil && u.Scheme == "http" && u.Host != "" {
		path := strings.TrimRight(u.EscapedPath(), "/") + "/customers"
		if u.RawQuery != "" {
			path += "?" + u.RawQuery
		}
		return newRawClient(u, path, l.client.Timeout)
	}
	return netPoster{l}
}

// netPoster posts through the loader's net/http client.
type netPoster struct{ l *loader }

func (p netPoster) send(ctx context.Context, method, target, tok string, body []byte) (reply, error) {
	u, err := url.Parse(p.l.cfg.URL)
	if err != nil {
		return reply{}, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.Scheme+"://"+u.Host+target, bytes.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := p.l.client.Do(req)
	if err != nil {
		return reply{}, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return reply{status: res.StatusCode, location: res.Header.Get("Location")}, nil
}

func (netPoster) close() {}

func (l *loader) post(ctx context.Context, tok string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", l.cfg.URL+"/customers", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := l.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// run sends load until the duration passes, with a prober measuring the
// projection lag beside it.
func (l *loader) run(ctx context.Context) Result {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Duration)
	defer cancel()
	rec := newRecorder()
	start := time.Now()
	l.load(ctx, rec)
	elapsed := time.Since(start)
	m := rec.take()
	r := Result{
		Concurrency:     l.cfg.Concurrency,
		TargetRate:      l.cfg.Rate,
		DurationSeconds: elapsed.Seconds(),
		Requests:        m.requests,
		Created:         m.created,
		CreatesPerSec:   float64(m.created) / elapsed.Seconds(),
		LatencyMs:       percentiles(m.latencies),
		Errors:          m.errors,
		LagSamples:      len(m.lags),
		LagMs:           percentiles(m.lags),
		Mix:             l.cfg.Mix.String(),
	}
	r.Kinds, r.Total = m.byKind(l.cfg.Mix, elapsed)
	r.ThroughputPerSec = r.Total.OKPerSec
	return r
}

// load sends load until ctx ends, with a prober measuring the projection
// lag beside it, and records what it sees in rec as it goes.
func (l *loader) load(ctx context.Context, rec *recorder) {
	var (
		wg    sync.WaitGroup
		paced atomic.Int64
	)
	start := time.Now()
	end, _ := ctx.Deadline()
	// due returns when the next request is due: now without a rate.
	due := func() time.Time {
		if l.cfg.Rate <= 0 {
			return time.Now()
		}
		n := paced.Add(1) - 1
		at := start.Add(time.Duration(float64(n) / l.cfg.Rate * float64(time.Second)))
		sleep(ctx, time.Until(at))
		return at
	}
	for w := range l.cfg.Concurrency {
		wg.Go(func() {
			c := l.newClient(w)
			defer c.conn.close()
			for ctx.Err() == nil {
				t0 := due()
				if ctx.Err() != nil {
					break
				}
				k, rep, err := c.send(ctx, l.cfg.Mix.pick(c.rnd.IntN(l.cfg.Mix.total)))
				if ctx.Err() != nil || (!end.IsZero() && !time.Now().Before(end)) {
					// Cut off by the end of the run, not an answer: the
					// connection's deadline can pass a moment before the
					// context says so.
					break
				}
				switch {
				case err != nil:
					rec.failed(k, "transport")
				case rep.status == k.okStatus():
					rec.ok(k, time.Since(t0))
				default:
					rec.failed(k, strconv.Itoa(rep.status))
				}
			}
		})
	}
	l.probeLag(ctx, rec)
	wg.Wait()
}
