package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/customersvc/customersvc/transport/http/auth"
)

// runOnce loads a running service once.
func runOnce(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("loadgen run", flag.ContinueOnError)
	u := fs.String("url", "http://localhost:8080", "service base URL")
	secret := fs.String("secret", os.Getenv("AUTH_HS256_SECRET"), "HS256 secret (AUTH_HS256_SECRET); empty reads -data-dir")
	dataDir := fs.String("data-dir", "./data", "the service's DATA_DIR, to read auth.secret from")
	c := fs.Int("c", 64, "concurrent clients")
	d := fs.Duration("d", 30*time.Second, "duration")
	orgs := fs.Int("orgs", 16, "parent organizations to spread the creates over")
	rate := fs.Float64("rate", 0, "requests per second across all clients; 0: as fast as the clients go")
	mixSpec := fs.String("mix", createsOnly, "kinds of request and their weights: create, get, list, search (e.g. "+defaultMix+")")
	out := fs.String("json", "", "also write the result as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	mx, err := parseMix(*mixSpec)
	if err != nil {
		return err
	}
	key, err := loadSecret(*secret, *dataDir)
	if err != nil {
		return err
	}
	l, err := newLoader(loadConfig{URL: strings.TrimRight(*u, "/"), Secret: key, Concurrency: *c, Duration: *d, Orgs: *orgs, Rate: *rate, Mix: mx})
	if err != nil {
		return err
	}
	r := l.run(ctx)
	printTable(os.Stdout, []Result{r})
	return writeJSON(*out, []Result{r})
}

// runSuite builds the service, starts it on a fresh DATA_DIR, and loads it
// at each concurrency in turn.
func runSuite(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("loadgen suite", flag.ContinueOnError)
	levels := fs.String("c", "16,64,256", "concurrencies, one run each")
	d := fs.Duration("d", 30*time.Second, "duration of each run")
	addr := fs.String("addr", "127.0.0.1:18080", "address the service listens on")
	orgs := fs.Int("orgs", 16, "parent organizations to spread the load over")
	bin := fs.String("service-bin", "", "a customersvc binary to start; empty builds ./cmd/customersvc")
	mixSpec := fs.String("mix", defaultMix, "kinds of request and their weights: create, get, list, search; "+createsOnly+" for creates only")
	out := fs.String("json", "bench-results/latest.json", "where to write the results as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	mx, err := parseMix(*mixSpec)
	if err != nil {
		return err
	}
	svc, err := startService(ctx, *addr, *bin)
	if err != nil {
		return err
	}
	defer svc.stop()
	var results []Result
	for _, text := range strings.Split(*levels, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil {
			return fmt.Errorf("-c: %w", err)
		}
		l, err := newLoader(loadConfig{URL: svc.base, Secret: svc.secret, Concurrency: c, Duration: *d, Orgs: *orgs, Mix: mx})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "loadgen: %d clients for %s, mix %s...\n", c, *d, mx)
		r := l.run(ctx)
		r.ServiceRSSMB = rssMB(svc.cmd.Process.Pid)
		results = append(results, r)
		if ctx.Err() != nil {
			break
		}
	}
	fmt.Printf("machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel())
	printTable(os.Stdout, results)
	return writeJSON(*out, results)
}

// service is the service built from this checkout and started on a fresh
// DATA_DIR, with the embedded NATS.
type service struct {
	cmd       *exec.Cmd
	base      string // http://addr
	adminBase string // http://admin-addr
	secret    []byte
	dataDir   string
	work      string
	keep      bool // stop leaves work (DATA_DIR and the binary) behind
}

// startService starts bin, or when bin is empty the service built from
// this checkout.
func startService(ctx context.Context, addr, bin string) (*service, error) {
	return startServiceEnv(ctx, addr, bin)
}

// startServiceEnv is startService with more of the service's environment
// ("READMODEL_URL=postgres://...").
func startServiceEnv(ctx context.Context, addr, bin string, env ...string) (*service, error) {
	work, err := os.MkdirTemp("", "customersvc-bench-")
	if err != nil {
		return nil, err
	}
	svc := &service{work: work, dataDir: filepath.Join(work, "data"), secret: []byte("loadgen-suite-secret-0123456789abcdef")}
	if bin == "" {
		bin = filepath.Join(work, "customersvc")
		if err := goBuild(ctx, bin, "./cmd/customersvc"); err != nil {
			os.RemoveAll(work)
			return nil, fmt.Errorf("build the service: %w", err)
		}
	}
	admin, err := freeAddr()
	if err != nil {
		os.RemoveAll(work)
		return nil, err
	}
	svc.cmd = exec.Command(bin, "--http-addr", addr, "--admin-addr", admin, "--data-dir", svc.dataDir, "--log-level", "warn")
	svc.cmd.Env = append(append(os.Environ(), "AUTH_HS256_SECRET="+string(svc.secret), "NATS_URL="), env...)
	svc.cmd.Stderr = os.Stderr
	if err := svc.cmd.Start(); err != nil {
		os.RemoveAll(work)
		return nil, err
	}
	svc.base, svc.adminBase = "http://"+addr, "http://"+admin
	if err := waitReady(ctx, svc.base); err != nil {
		svc.stop()
		return nil, err
	}
	return svc, nil
}

func goBuild(ctx context.Context, out, pkg string) error {
	build := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	return build.Run()
}

// stop stops the service gracefully and removes its files, unless told
// to keep them.
func (s *service) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
	if s.keep {
		fmt.Fprintf(os.Stderr, "loadgen: kept the service's DATA_DIR %s\n", s.dataDir)
		return
	}
	os.RemoveAll(s.work)
}

func loadSecret(secret, dataDir string) ([]byte, error) {
	if secret != "" {
		return []byte(secret), nil
	}
	return auth.LoadOrCreateSecret(dataDir)
}

func waitReady(ctx context.Context, base string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := httpGet(ctx, base+"/readyz"); err == nil && res == 200 {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("service not ready after 60s")
}

func printTable(w io.Writer, results []Result) {
	fmt.Fprintln(w, "| clients | requests | creates/s | p50 ms | p90 ms | p99 ms | max ms | errors | lag p50 ms | lag p99 ms | lag samples | RSS MB |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
	for _, r := range results {
		fmt.Fprintf(w, "| %d | %d | %.0f | %.1f | %.1f | %.1f | %.1f | %s | %.1f | %.1f | %d | %.0f |\n",
			r.Concurrency, r.Requests, r.CreatesPerSec, r.LatencyMs.P50, r.LatencyMs.P90, r.LatencyMs.P99, r.LatencyMs.Max,
			formatErrors(r.Errors), r.LagMs.P50, r.LagMs.P99, r.LagSamples, r.ServiceRSSMB)
	}
	for _, r := range results {
		if r.Mix != "" && r.Mix != createsOnly {
			printKinds(w, r)
		}
	}
}

func formatErrors(errs map[string]int) string {
	if len(errs) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, errs[k])
	}
	return strings.Join(parts, " ")
}

func writeJSON(path string, v any) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
