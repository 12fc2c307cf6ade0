package main

import (
	"sync"
	"time"
)

// recorder collects what the clients see; take hands it over and starts
// afresh, once at the end of a run or once an interval in a soak.
type recorder struct {
	mu sync.Mutex
	m  measured
}

// measured is what a recorder holds. created and latencies are the
// creates', requests and errors every kind's, so that a soak of creates
// reads them as before; kinds holds each kind's own.
type measured struct {
	requests, created int64
	latencies, lags   []time.Duration
	errors            map[string]int
	kinds             [numKinds]kindMeasured
}

// kindMeasured is what a recorder holds of one kind of request.
type kindMeasured struct {
	ok        int64
	latencies []time.Duration
	errors    map[string]int
}

func newRecorder() *recorder { return &recorder{m: newMeasured(0)} }

func newMeasured(capacity int) measured {
	m := measured{errors: map[string]int{}, latencies: make([]time.Duration, 0, capacity)}
	for k := range m.kinds {
		m.kinds[k].errors = map[string]int{}
	}
	return m
}

// ok records a successful request of kind k.
func (r *recorder) ok(k kind, latency time.Duration) {
	r.mu.Lock()
	r.m.requests++
	if k == kindCreate {
		r.m.created++
		r.m.latencies = append(r.m.latencies, latency)
	}
	r.m.kinds[k].ok++
	r.m.kinds[k].latencies = append(r.m.kinds[k].latencies, latency)
	r.mu.Unlock()
}

// failed records a request of kind k that got status (or "transport").
func (r *recorder) failed(k kind, status string) {
	r.mu.Lock()
	r.m.requests++
	r.m.errors[status]++
	r.m.kinds[k].errors[status]++
	r.mu.Unlock()
}

func (r *recorder) lag(d time.Duration) {
	r.mu.Lock()
	r.m.lags = append(r.m.lags, d)
	r.mu.Unlock()
}

func (r *recorder) take() measured {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.m
	r.m = newMeasured(len(m.latencies))
	return m
}

// byKind reports each kind of the mix and the total of every kind over
// elapsed. Latencies are of successful requests only, as the creates'
// always were.
func (m measured) byKind(mx mix, elapsed time.Duration) (kinds []KindResult, total KindResult) {
	total = KindResult{Kind: "total", Errors: map[string]int{}}
	var all []time.Duration
	for k := range numKinds {
		km := m.kinds[k]
		r := KindResult{Kind: k.String(), OK: km.ok, Errors: km.errors}
		for status, n := range km.errors {
			r.Requests += int64(n)
			total.Errors[status] += n
		}
		if mx.weights[k] == 0 && km.ok+r.Requests == 0 {
			continue
		}
		r.Requests += km.ok
		r.OKPerSec = float64(km.ok) / elapsed.Seconds()
		all = append(all, km.latencies...)
		r.LatencyMs = percentiles(km.latencies)
		kinds = append(kinds, r)
		total.Requests += r.Requests
		total.OK += r.OK
	}
	total.OKPerSec = float64(total.OK) / elapsed.Seconds()
	total.LatencyMs = percentiles(all)
	return kinds, total
}
