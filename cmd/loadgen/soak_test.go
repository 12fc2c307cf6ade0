package main

import (
	"encoding/xml"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	transporthttp "github.com/customersvc/customersvc/transport/http"
)

// TestVerdictComparesTheWindows: a soak whose pace falls by a fifth misses
// the throughput target, holds the latency target, and sees the RSS growth
// and the largest write-ahead log it was given.
func TestVerdictComparesTheWindows(t *testing.T) {
	var ivs []Interval
	for i := range 20 { // 20 one-minute intervals
		rate := 1000.0
		if i >= 15 {
			rate = 800
		}
		ivs = append(ivs, Interval{
			EndSeconds: float64(i+1) * 60, Seconds: 60, Created: int64(rate * 60),
			RSSMB:  300 + 10*float64(i), // 10 MB a minute
			Files:  map[string]int64{"events.db": 1 << 30, "events.db-wal": int64(i) << 20},
			Errors: map[string]int{"503": i % 2},
		})
	}
	ms := func(n int, d time.Duration) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = d
		}
		return out
	}
	v := verdict(ivs, 5*time.Minute, 20*time.Minute, ms(100, 40*time.Millisecond), ms(100, 50*time.Millisecond))
	if v.FirstCreatesPerSec != 1000 || v.LastCreatesPerSec != 800 || math.Abs(v.ThroughputRatio-0.8) > 1e-9 || v.ThroughputHeld {
		t.Errorf("throughput: %+v", v)
	}
	if v.FirstP99Ms != 40 || v.LastP99Ms != 50 || !v.LatencyHeld {
		t.Errorf("latency: %+v", v)
	}
	if math.Abs(v.RSSSlopeMBPerMin-10) > 1e-9 || v.RSSFlat {
		t.Errorf("RSS: slope %.3f MB/min, flat %v; want 10, not flat", v.RSSSlopeMBPerMin, v.RSSFlat)
	}
	if v.LargestWAL != 19<<20 || v.Errors != 10 {
		t.Errorf("largest WAL %d, errors %d", v.LargestWAL, v.Errors)
	}
	if !strings.Contains(v.WithinTargetsExplain, "MISSED") {
		t.Errorf("summary does not say what was missed: %s", v.WithinTargetsExplain)
	}
}

// TestPlotSoakIsSVG: the plot parses as XML and draws a line for each
// series, one per write-ahead log among them.
func TestPlotSoakIsSVG(t *testing.T) {
	r := SoakReport{Concurrency: 64, Duration: "2m0s", Machine: "test <machine>"}
	for i := range 4 {
		r.Intervals = append(r.Intervals, Interval{
			EndSeconds: float64(i+1) * 30, Seconds: 30, CreatesPerSec: 4000, RSSMB: 300,
			LatencyMs: Percentiles{P50: 10, P99: 50},
			Files:     map[string]int64{"events.db": 1 << 30, "events.db-wal": 1 << 20, "readmodel.db-wal": 2 << 20},
		})
	}
	svg := plotSoak(r)
	dec := xml.NewDecoder(strings.NewReader(svg))
	lines := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("not XML: %v", err)
		}
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == "polyline" {
			lines++
		}
	}
	// creates/s, p99, p50, RSS, DATA_DIR, two logs.
	if lines != 7 {
		t.Fatalf("%d lines drawn, want 7", lines)
	}
}

// TestDataDirSizes counts a folder as one entry holding what is below it.
func TestDataDirSizes(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("events.db", 1000)
	write("nats/jetstream/a.blk", 300)
	write("nats/jetstream/b.blk", 200)
	got := dataDirSizes(dir)
	if len(got) != 2 || got["events.db"] != 1000 || got["nats"] != 500 {
		t.Fatalf("sizes %v", got)
	}
}

// TestGoroutinesFromTheDebugListener: the count is read from the service's
// own profiler handler (DEBUG_ADDR) on a loopback address, and is 0 where
// no profiler answers (the admin API no longer serves /debug/pprof/).
func TestGoroutinesFromTheDebugListener(t *testing.T) {
	debug := httptest.NewServer(transporthttp.NewDebugHandler(transporthttp.DebugDeps{}))
	defer debug.Close()
	if n := goroutines(t.Context(), debug.URL); n <= 0 {
		t.Fatalf("goroutines from the debug listener: %d, want > 0", n)
	}
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	if n := goroutines(t.Context(), notFound.URL); n != 0 {
		t.Fatalf("goroutines without a profiler: %d, want 0", n)
	}
}
