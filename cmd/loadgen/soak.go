package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// soakConfig is one soak: load for a long time, measured interval by
// interval.
type soakConfig struct {
	load     loadConfig
	interval time.Duration
	window   time.Duration // the first and last stretch the targets compare
	out      string        // directory for soak.json and soak.svg
	service  serviceProbe
}

// serviceProbe reads the service's own figures: its process, its data
// directory and its profiler (DEBUG_ADDR).
type serviceProbe struct {
	pid       int    // 0: no process figures
	dataDir   string // "": no file sizes
	debugBase string // the profiler's base URL; "": no goroutine count
}

// Interval is one line of a soak: what the clients saw in it and the
// service's state at its end.
type Interval struct {
	EndSeconds    float64          `json:"end_seconds"`
	Seconds       float64          `json:"seconds"`
	Created       int64            `json:"created"`
	CreatesPerSec float64          `json:"creates_per_sec"`
	LatencyMs     Percentiles      `json:"latency_ms"`
	Errors        map[string]int   `json:"errors_by_status"`
	LagMs         Percentiles      `json:"projection_lag_ms"`
	RSSMB         float64          `json:"service_rss_mb"`
	OpenFiles     int              `json:"service_open_files"`
	Goroutines    int              `json:"service_goroutines"`
	Files         map[string]int64 `json:"data_dir_bytes"`
	TotalCreated  int64            `json:"total_created"`
}

// SoakReport is the JSON a soak writes.
type SoakReport struct {
	Machine       string     `json:"machine"`
	Concurrency   int        `json:"concurrency"`
	Orgs          int        `json:"orgs"`
	TargetRate    float64    `json:"target_rate,omitempty"`
	Duration      string     `json:"duration"`
	IntervalEvery string     `json:"interval"`
	Intervals     []Interval `json:"intervals"`
	Verdict       Verdict    `json:"verdict"`
}

// Verdict compares the first and last windows of a soak against the
// targets: throughput within 15 %, p99 within 1.5×, RSS without a trend,
// no errors.
type Verdict struct {
	Window               string  `json:"window"`
	FirstCreatesPerSec   float64 `json:"first_creates_per_sec"`
	LastCreatesPerSec    float64 `json:"last_creates_per_sec"`
	ThroughputRatio      float64 `json:"throughput_ratio"`
	FirstP99Ms           float64 `json:"first_p99_ms"`
	LastP99Ms            float64 `json:"last_p99_ms"`
	P99Ratio             float64 `json:"p99_ratio"`
	RSSSlopeMBPerMin     float64 `json:"rss_slope_mb_per_min"`
	RSSMinMB             float64 `json:"rss_min_mb"`
	RSSMaxMB             float64 `json:"rss_max_mb"`
	LargestWAL           int64   `json:"largest_wal_bytes"`
	Errors               int     `json:"errors"`
	ThroughputHeld       bool    `json:"throughput_held"`
	LatencyHeld          bool    `json:"latency_held"`
	RSSFlat              bool    `json:"rss_flat"`
	WithinTargetsExplain string  `json:"summary"`
}

// runSoak starts the service on a fresh DATA_DIR (or loads a running one)
// and loads it for a long time, printing a line an interval.
func runSoak(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("loadgen soak", flag.ContinueOnError)
	d := fs.Duration("d", 30*time.Minute, "duration")
	interval := fs.Duration("interval", 30*time.Second, "one line per interval")
	window := fs.Duration("window", 5*time.Minute, "the first and last stretch the targets compare")
	c := fs.Int("c", 64, "concurrent clients")
	orgs := fs.Int("orgs", 64, "parent organizations to spread the creates over")
	rate := fs.Float64("rate", 0, "creates per second across all clients; 0: as fast as the clients go")
	out := fs.String("out", "bench-results/soak", "directory for soak.json and soak.svg")
	u := fs.String("url", "", "a running service's base URL; empty builds and starts one on a fresh DATA_DIR")
	pid := fs.Int("pid", 0, "with -url: the service's process, for RSS and open files")
	dataDir := fs.String("data-dir", "", "with -url: the service's DATA_DIR, for auth.secret and file sizes")
	debugURL := fs.String("debug-url", "", "with -url: the base URL of the service's DEBUG_ADDR (http://127.0.0.1:6060), for goroutines")
	secret := fs.String("secret", os.Getenv("AUTH_HS256_SECRET"), "with -url: HS256 secret; empty reads -data-dir")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *interval <= 0 || *d < *interval {
		return fmt.Errorf("-interval must be positive and at most -d")
	}
	cfg := soakConfig{interval: *interval, window: *window, out: *out}
	cfg.load = loadConfig{Concurrency: *c, Duration: *d, Orgs: *orgs, Rate: *rate}
	if *u != "" {
		key, err := loadSecret(*secret, *dataDir)
		if err != nil {
			return err
		}
		cfg.load.URL, cfg.load.Secret = strings.TrimRight(*u, "/"), key
		cfg.service = serviceProbe{pid: *pid, dataDir: *dataDir, debugBase: strings.TrimRight(*debugURL, "/")}
		return soak(ctx, cfg, os.Stdout)
	}
	// The profiler, which the goroutine count is read from, has its own
	// address (DEBUG_ADDR), off unless set.
	debug, err := freeAddr()
	if err != nil {
		return err
	}
	svc, err := startServiceEnv(ctx, "127.0.0.1:18080", "", "DEBUG_ADDR="+debug)
	if err != nil {
		return err
	}
	defer svc.stop()
	cfg.load.URL, cfg.load.Secret = svc.base, svc.secret
	cfg.service = serviceProbe{pid: svc.cmd.Process.Pid, dataDir: svc.dataDir, debugBase: "http://" + debug}
	return soak(ctx, cfg, os.Stdout)
}

func soak(ctx context.Context, cfg soakConfig, w io.Writer) error {
	l, err := newLoader(cfg.load)
	if err != nil {
		return err
	}
	report := SoakReport{
		Machine:     fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel()),
		Concurrency: cfg.load.Concurrency, Orgs: cfg.load.Orgs, TargetRate: cfg.load.Rate,
		Duration: cfg.load.Duration.String(), IntervalEvery: cfg.interval.String(),
	}
	fmt.Fprintf(w, "machine: %s\n", report.Machine)
	fmt.Fprintln(w, "# min  creates/s  p50ms  p99ms  errors  lag99ms  RSS_MB  fds  goroutines  total  files")

	loadCtx, cancel := context.WithTimeout(ctx, cfg.load.Duration)
	defer cancel()
	rec := newRecorder()
	done := make(chan struct{})
	go func() { defer close(done); l.load(loadCtx, rec) }()

	start, last := time.Now(), time.Now()
	var first []time.Duration   // latencies of the first window
	var recent []timedLatencies // of the intervals within the last window
	var total int64
	tick := time.NewTicker(cfg.interval)
	defer tick.Stop()
	for running := true; running; {
		select {
		case <-tick.C:
		case <-done:
			running = false
		}
		now := time.Now()
		m := rec.take()
		if m.requests == 0 && !running {
			break
		}
		total += m.created
		iv := Interval{
			EndSeconds: now.Sub(start).Seconds(), Seconds: now.Sub(last).Seconds(),
			Created: m.created, LatencyMs: percentiles(m.latencies), Errors: m.errors,
			LagMs: percentiles(m.lags), TotalCreated: total,
		}
		iv.CreatesPerSec = float64(m.created) / iv.Seconds
		cfg.service.sample(ctx, &iv)
		if last.Sub(start) < cfg.window {
			first = append(first, m.latencies...)
		}
		// The last window's latencies: what ended within it of now.
		recent = append(recent, timedLatencies{end: now, latencies: m.latencies})
		for len(recent) > 0 && now.Sub(recent[0].end) >= cfg.window {
			recent = recent[1:]
		}
		last = now
		report.Intervals = append(report.Intervals, iv)
		fmt.Fprintln(w, iv.line())
	}
	var final []time.Duration
	for _, r := range recent {
		final = append(final, r.latencies...)
	}
	ran := cfg.load.Duration
	if n := len(report.Intervals); n > 0 {
		ran = time.Duration(report.Intervals[n-1].EndSeconds * float64(time.Second))
	}
	report.Verdict = verdict(report.Intervals, cfg.window, ran, first, final)
	fmt.Fprintln(w, report.Verdict.WithinTargetsExplain)
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfg.out, "soak.json"), b, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfg.out, "soak.svg"), []byte(plotSoak(report)), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s and %s\n", filepath.Join(cfg.out, "soak.json"), filepath.Join(cfg.out, "soak.svg"))
	return nil
}

// timedLatencies are the latencies of an interval that ended at end.
type timedLatencies struct {
	end       time.Time
	latencies []time.Duration
}

func (iv Interval) line() string {
	return fmt.Sprintf("%5.1f  %9.0f  %5.1f  %5.1f  %6s  %7.1f  %6.0f  %3d  %10d  %d  %s",
		iv.EndSeconds/60, iv.CreatesPerSec, iv.LatencyMs.P50, iv.LatencyMs.P99, formatErrors(iv.Errors),
		iv.LagMs.P99, iv.RSSMB, iv.OpenFiles, iv.Goroutines, iv.TotalCreated, formatFiles(iv.Files))
}

// sample reads the service's state into iv.
func (p serviceProbe) sample(ctx context.Context, iv *Interval) {
	if p.pid > 0 {
		iv.RSSMB = rssMB(p.pid)
		if fds, err := os.ReadDir("/proc/" + strconv.Itoa(p.pid) + "/fd"); err == nil {
			iv.OpenFiles = len(fds)
		}
	}
	if p.debugBase != "" {
		iv.Goroutines = goroutines(ctx, p.debugBase)
	}
	if p.dataDir != "" {
		iv.Files = dataDirSizes(p.dataDir)
	}
}

// goroutines reads the count from the goroutine page of the profiler at
// debugBase (the service's DEBUG_ADDR); 0 when it cannot.
func goroutines(ctx context.Context, debugBase string) int {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", debugBase+"/debug/pprof/goroutine?debug=1", nil)
	if err != nil {
		return 0
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	var total int
	if res.StatusCode != http.StatusOK {
		return 0
	}
	if _, err := fmt.Fscanf(res.Body, "goroutine profile: total %d", &total); err != nil {
		return 0
	}
	return total
}

// dataDirSizes returns the size of each entry of dir, a folder counting
// what it holds (JetStream's files are one entry, "nats").
func dataDirSizes(dir string) map[string]int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	sizes := make(map[string]int64, len(entries))
	for _, e := range entries {
		var n int64
		_ = filepath.WalkDir(filepath.Join(dir, e.Name()), func(_ string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil // a file removed while we look
			}
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
			return nil
		})
		sizes[e.Name()] = n
	}
	return sizes
}

// formatFiles lists the entries of 64 KiB and more, and every write-ahead
// log, largest first, in MiB.
func formatFiles(files map[string]int64) string {
	names := make([]string, 0, len(files))
	var total int64
	for name, n := range files {
		total += n
		if n >= 64<<10 || strings.HasSuffix(name, "-wal") {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool { return files[names[i]] > files[names[j]] })
	parts := []string{fmt.Sprintf("all=%.1f", mib(total))}
	for _, name := range names {
		parts = append(parts, fmt.Sprintf("%s=%.1f", name, mib(files[name])))
	}
	return strings.Join(parts, " ")
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// verdict measures a soak against the targets.
func verdict(ivs []Interval, window, d time.Duration, first, final []time.Duration) Verdict {
	v := Verdict{Window: window.String()}
	var firstN, firstS, lastN, lastS float64
	var xs, rss []float64
	for _, iv := range ivs {
		begin := iv.EndSeconds - iv.Seconds
		if begin < window.Seconds() {
			firstN, firstS = firstN+float64(iv.Created), firstS+iv.Seconds
		}
		if iv.EndSeconds > (d - window).Seconds() {
			lastN, lastS = lastN+float64(iv.Created), lastS+iv.Seconds
		}
		for _, n := range iv.Errors {
			v.Errors += n
		}
		for name, n := range iv.Files {
			if strings.HasSuffix(name, "-wal") {
				v.LargestWAL = max(v.LargestWAL, n)
			}
		}
		// RSS after the first window: the warm-up fills caches and pools.
		if begin >= window.Seconds() && iv.RSSMB > 0 {
			xs, rss = append(xs, iv.EndSeconds/60), append(rss, iv.RSSMB)
		}
	}
	if firstS > 0 && lastS > 0 {
		v.FirstCreatesPerSec, v.LastCreatesPerSec = firstN/firstS, lastN/lastS
		v.ThroughputRatio = v.LastCreatesPerSec / v.FirstCreatesPerSec
	}
	v.FirstP99Ms, v.LastP99Ms = percentiles(first).P99, percentiles(final).P99
	if v.FirstP99Ms > 0 {
		v.P99Ratio = v.LastP99Ms / v.FirstP99Ms
	}
	if len(rss) > 0 {
		v.RSSSlopeMBPerMin = slope(xs, rss)
		v.RSSMinMB, v.RSSMaxMB = rss[0], rss[0]
		for _, r := range rss {
			v.RSSMinMB, v.RSSMaxMB = min(v.RSSMinMB, r), max(v.RSSMaxMB, r)
		}
	}
	v.ThroughputHeld = v.ThroughputRatio >= 0.85
	v.LatencyHeld = v.P99Ratio > 0 && v.P99Ratio <= 1.5
	// Flat: the fitted growth over the whole run stays within a tenth of
	// the smallest RSS seen.
	v.RSSFlat = v.RSSSlopeMBPerMin*d.Minutes() <= 0.1*v.RSSMinMB
	v.WithinTargetsExplain = fmt.Sprintf(
		"first %s: %.0f creates/s, p99 %.1f ms; last %s: %.0f creates/s (×%.2f, target ≥ 0.85: %s), p99 %.1f ms (×%.2f, target ≤ 1.5: %s); "+
			"RSS %.0f–%.0f MB, trend %+.2f MB/min (flat: %s); largest WAL %.1f MiB; errors %d",
		window, v.FirstCreatesPerSec, v.FirstP99Ms, window, v.LastCreatesPerSec, v.ThroughputRatio, yes(v.ThroughputHeld),
		v.LastP99Ms, v.P99Ratio, yes(v.LatencyHeld), v.RSSMinMB, v.RSSMaxMB, v.RSSSlopeMBPerMin, yes(v.RSSFlat),
		mib(v.LargestWAL), v.Errors)
	return v
}

func yes(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// slope is the least-squares slope of ys over xs.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx, sy, sxx, sxy = sx+xs[i], sy+ys[i], sxx+xs[i]*xs[i], sxy+xs[i]*ys[i]
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}

// freeAddr returns a loopback address no one listens on right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
