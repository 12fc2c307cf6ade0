package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// CompareReport is the JSON compare writes: each round's run against
// customersvc and against the CRUD peer, and their ratios.
type CompareReport struct {
	Machine     string         `json:"machine"`
	Build       string         `json:"build"`
	Mix         string         `json:"mix"`
	Concurrency int            `json:"concurrency"`
	Orgs        int            `json:"orgs"`
	Duration    string         `json:"duration"`
	Rounds      []CompareRound `json:"rounds"`
	// Medians over the rounds: the ratio of customersvc's throughput (every
	// kind's successful requests a second) to the peer's, and customersvc's
	// list lag p99.
	MedianRatio     float64 `json:"median_ratio"`
	MedianLagP99Ms  float64 `json:"median_lag_p99_ms"`
	GoalMet         bool    `json:"goal_met"`
	GoalExplanation string  `json:"goal"`
}

// CompareRound is one A B pair.
type CompareRound struct {
	Round   int     `json:"round"`
	Service Result  `json:"customersvc"`
	Peer    Result  `json:"crudpeer"`
	Ratio   float64 `json:"ratio"`
}

// The goal: customersvc at least twice the peer's mixed
// throughput with the list at most 100 ms behind (p99).
const (
	goalRatio    = 2.0
	goalLagP99Ms = 100.0
)

// runCompare starts customersvc and the CRUD peer and runs the same load
// against each in turn, A B A B, while both are up.
func runCompare(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("loadgen compare", flag.ContinueOnError)
	mixSpec := fs.String("mix", defaultMix, "kinds of request and their weights: create, get, list, search")
	d := fs.Duration("d", 30*time.Second, "duration of each run")
	rounds := fs.Int("rounds", 2, "A B pairs")
	c := fs.Int("c", 64, "concurrent clients")
	orgs := fs.Int("orgs", 16, "parent organizations to spread the load over")
	pause := fs.Duration("pause", 5*time.Second, "rest between runs, for the last run's background work to settle")
	addr := fs.String("addr", "127.0.0.1:18080", "address customersvc listens on")
	peerAddr := fs.String("peer-addr", "127.0.0.1:18090", "address the CRUD peer listens on")
	peerDB := fs.String("peer-db", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server for the peer: compare creates a fresh database there and drops it after")
	peerPool := fs.Int("peer-pool", 16, "the peer's connection pool (pool_max_conns)")
	serviceBin := fs.String("service-bin", "", "a customersvc binary; empty builds ./cmd/customersvc")
	peerBin := fs.String("peer-bin", "", "a crudpeer binary; empty builds ./cmd/crudpeer")
	build := fs.String("build", gitDescribe(), "the build's name in the report")
	out := fs.String("json", "bench-results/compare.json", "where to write the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	mx, err := parseMix(*mixSpec)
	if err != nil {
		return err
	}
	if *rounds < 1 {
		return fmt.Errorf("-rounds must be at least 1")
	}
	svc, err := startService(ctx, *addr, *serviceBin)
	if err != nil {
		return err
	}
	defer svc.stop()
	p, err := startPeer(ctx, peerConfig{addr: *peerAddr, server: *peerDB, pool: *peerPool, bin: *peerBin, secret: svc.secret})
	if err != nil {
		return err
	}
	defer p.stop()

	report := CompareReport{
		Machine: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel()),
		Build:   *build, Mix: mx.String(), Concurrency: *c, Orgs: *orgs, Duration: d.String(),
	}
	runOn := func(name, base string, pid int) (Result, error) {
		l, err := newLoader(loadConfig{URL: base, Secret: svc.secret, Concurrency: *c, Duration: *d, Orgs: *orgs, Mix: mx})
		if err != nil {
			return Result{}, err
		}
		fmt.Fprintf(os.Stderr, "loadgen: %s, %d clients for %s, mix %s...\n", name, *c, *d, mx)
		r := l.run(ctx)
		r.ServiceRSSMB = rssMB(pid)
		sleep(ctx, *pause)
		return r, nil
	}
	for n := 1; n <= *rounds && ctx.Err() == nil; n++ {
		round := CompareRound{Round: n}
		if round.Service, err = runOn("customersvc", svc.base, svc.cmd.Process.Pid); err != nil {
			return err
		}
		if round.Peer, err = runOn("crudpeer", p.base, p.cmd.Process.Pid); err != nil {
			return err
		}
		round.Ratio = ratio(round.Service.ThroughputPerSec, round.Peer.ThroughputPerSec)
		report.Rounds = append(report.Rounds, round)
	}
	report.summarize()
	printCompare(os.Stdout, report)
	return writeJSON(*out, report)
}

// summarize takes the medians over the rounds and holds them against the
// goal.
func (r *CompareReport) summarize() {
	var ratios, lags []float64
	for _, round := range r.Rounds {
		ratios = append(ratios, round.Ratio)
		lags = append(lags, round.Service.LagMs.P99)
	}
	r.MedianRatio, r.MedianLagP99Ms = median(ratios), median(lags)
	r.GoalMet = r.MedianRatio >= goalRatio && r.MedianLagP99Ms <= goalLagP99Ms && len(lags) > 0
	verdict := "not met"
	if r.GoalMet {
		verdict = "met"
	}
	r.GoalExplanation = fmt.Sprintf("customersvc ≥ %.0f× the peer with list lag p99 ≤ %.0f ms: %s (×%.2f, lag p99 %.0f ms)",
		goalRatio, goalLagP99Ms, verdict, r.MedianRatio, r.MedianLagP99Ms)
}

func printCompare(w io.Writer, r CompareReport) {
	fmt.Fprintf(w, "machine: %s; build %s; mix %s, %d clients, %d parents, %s a run\n\n", r.Machine, r.Build, r.Mix, r.Concurrency, r.Orgs, r.Duration)
	kinds := kindsOf(r.Rounds)
	header := "| round | target | requests/s | creates/s |"
	for _, k := range kinds {
		header += " " + k + " p99 ms |"
	}
	fmt.Fprintln(w, header+" errors | list lag p50 / p99 ms | RSS MB |")
	fmt.Fprintln(w, "|---:|---|---:|---:|"+strings.Repeat("---:|", len(kinds))+"---|---:|---:|")
	for _, round := range r.Rounds {
		for _, t := range []struct {
			name string
			res  Result
		}{{"customersvc", round.Service}, {"crudpeer", round.Peer}} {
			line := fmt.Sprintf("| %d | %s | %.0f | %.0f |", round.Round, t.name, t.res.ThroughputPerSec, t.res.CreatesPerSec)
			for _, k := range kinds {
				line += fmt.Sprintf(" %.1f |", kindP99(t.res, k))
			}
			fmt.Fprintf(w, "%s %s | %.0f / %.0f | %.0f |\n", line, formatErrors(t.res.Errors), t.res.LagMs.P50, t.res.LagMs.P99, t.res.ServiceRSSMB)
		}
	}
	fmt.Fprintln(w)
	for _, round := range r.Rounds {
		fmt.Fprintf(w, "round %d: customersvc/crudpeer ×%.2f\n", round.Round, round.Ratio)
	}
	fmt.Fprintf(w, "median ×%.2f; %s\n", r.MedianRatio, r.GoalExplanation)
}

// kindsOf names the kinds the runs sent, in the mix's order.
func kindsOf(rounds []CompareRound) []string {
	var names []string
	for _, round := range rounds {
		for _, k := range round.Service.Kinds {
			if !slices.Contains(names, k.Kind) {
				names = append(names, k.Kind)
			}
		}
	}
	return names
}

func kindP99(r Result, name string) float64 {
	for _, k := range r.Kinds {
		if k.Kind == name {
			return k.LatencyMs.P99
		}
	}
	return 0
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
