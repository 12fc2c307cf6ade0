package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/customersvc/customersvc/transport/http/auth"
	"github.com/jackc/pgx/v5"
)

// scale measures how the reads of issue 13 grow with the number of
// customers: it seeds the service through its API up to each size, waits
// until the read model holds them all, and then, with one client, times
// each kind of read; at the largest size it loads the service with the
// mix while sampling its RSS.

// scaleTargetMs is the target for each read's p99 with one
// client, and scaleTargetRSSMB its target for the service's RSS while it
// serves the largest read model under load.
const (
	scaleTargetMs    = 10.0
	scaleTargetRSSMB = 300.0
	scalePageSize    = 20
)

// The kinds of read scale times, in the order of its table and plot.
const (
	skFirstCreated  = "first_created_at"   // page 1, sort_by=created_at
	skFirstName     = "first_name"         // page 1, sort_by=name
	skFirstUpdated  = "first_updated_at"   // page 1, sort_by=updated_at
	skPageMiddle    = "page_middle"        // page= the middle of the scope
	skPageLast      = "page_last"          // page= the last page
	skCursorMiddle  = "cursor_middle"      // cursor= the page after the middle one
	skSearchName    = "search_name"        // a fragment of one customer's name
	skSearchCommon  = "search_name_common" // a fragment in every customer's name
	skSearchVAT     = "search_vat"         // 6 digits of one customer's VAT
	scaleCommonTerm = "oadgen"             // in every name ("Loadgen ...")
)

var scaleKinds = []string{skFirstCreated, skFirstName, skFirstUpdated, skPageMiddle, skPageLast, skCursorMiddle, skSearchName, skSearchCommon, skSearchVAT}

var scaleKindLabels = map[string]string{
	skFirstCreated: "first page, created_at",
	skFirstName:    "first page, name",
	skFirstUpdated: "first page, updated_at",
	skPageMiddle:   "page= middle",
	skPageLast:     "page= last",
	skCursorMiddle: "cursor= middle",
	skSearchName:   "search name, 1 match",
	skSearchCommon: "search name, all match",
	skSearchVAT:    "search 6 VAT digits",
}

// scaleConfig is what the flags of loadgen scale ask for.
type scaleConfig struct {
	sizes        []int
	parents      int
	concurrency  int
	n            int
	warmup       int
	out          string
	load         time.Duration
	addr         string
	bin          string
	readModelURL string // a PostgreSQL server: the read model gets a fresh database there
	keep         bool
	build        string
}

func parseScaleFlags(args []string) (scaleConfig, error) {
	fs := flag.NewFlagSet("loadgen scale", flag.ContinueOnError)
	sizes := fs.String("sizes", "10000,100000,1000000", "customers to seed up to and measure at, ascending")
	parents := fs.Int("parents", 1, "parent organizations the customers are spread over, round-robin")
	c := fs.Int("c", 64, "concurrent clients seeding, and of the -load phase")
	n := fs.Int("n", 200, "measured requests of each kind at each size, by one client")
	warmup := fs.Int("warmup", 5, "requests of each kind sent before the measured ones (their errors count)")
	out := fs.String("out", "bench-results/scale", "directory for the JSON, the markdown table and the SVG plot")
	load := fs.Duration("load", 20*time.Second, "mixed load at the largest size, at -c clients, sampling the RSS; 0: none")
	addr := fs.String("addr", "127.0.0.1:18080", "address the service listens on")
	bin := fs.String("service-bin", "", "a customersvc binary to start; empty builds ./cmd/customersvc")
	rm := fs.String("readmodel-url", "", "a PostgreSQL server (postgres://...): the service's READMODEL_URL is a fresh database made there and dropped after; empty: SQLite in DATA_DIR")
	keep := fs.Bool("keep", false, "keep the service's DATA_DIR (and -readmodel-url's database) after the run")
	build := fs.String("build", "", "the build's name in the report; empty: git describe")
	if err := fs.Parse(args); err != nil {
		return scaleConfig{}, err
	}
	if fs.NArg() > 0 {
		return scaleConfig{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg := scaleConfig{parents: *parents, concurrency: *c, n: *n, warmup: *warmup, out: *out, load: *load,
		addr: *addr, bin: *bin, readModelURL: *rm, keep: *keep, build: *build}
	var errs []error
	var err error
	if cfg.sizes, err = parseSizes(*sizes); err != nil {
		errs = append(errs, err)
	}
	if cfg.parents < 1 {
		errs = append(errs, errors.New("-parents must be at least 1"))
	}
	if len(cfg.sizes) > 0 && cfg.sizes[len(cfg.sizes)-1] > 10_000_000 {
		errs = append(errs, errors.New("-sizes: at most 10,000,000 customers (the seeded VATs are unique up to there)"))
	}
	if cfg.concurrency < 1 {
		errs = append(errs, errors.New("-c must be at least 1"))
	}
	if cfg.n < 1 {
		errs = append(errs, errors.New("-n must be at least 1"))
	}
	if cfg.warmup < 0 || cfg.load < 0 {
		errs = append(errs, errors.New("-warmup and -load must not be negative"))
	}
	if cfg.readModelURL != "" && !strings.HasPrefix(cfg.readModelURL, "postgres://") && !strings.HasPrefix(cfg.readModelURL, "postgresql://") {
		errs = append(errs, errors.New("-readmodel-url must be a postgres:// URL"))
	}
	return cfg, errors.Join(errs...)
}

// parseSizes reads "10000,100000,1000000" (underscores allowed, "10_000"):
// positive and strictly ascending, since each size is seeded on top of
// the one before.
func parseSizes(spec string) ([]int, error) {
	var sizes []int
	for part := range strings.SplitSeq(spec, ",") {
		text := strings.ReplaceAll(strings.TrimSpace(part), "_", "")
		v, err := strconv.Atoi(text)
		switch {
		case err != nil || v < 1:
			return nil, fmt.Errorf("-sizes %q: %q is not a positive integer", spec, part)
		case len(sizes) > 0 && v <= sizes[len(sizes)-1]:
			return nil, fmt.Errorf("-sizes %q: sizes must ascend", spec)
		}
		sizes = append(sizes, v)
	}
	return sizes, nil
}

// The customers scale seeds: customer i (from 0) is created under parent
// i mod parents, named "Loadgen <run> <code>", the code i written in six
// letters, and with the VAT "LG<run>V<7 digits>", the digits a scramble
// of i. Names and VATs are unique within a run of up to ten million
// customers. The code's letters are in nothing else a search looks at
// (neither "Loadgen" nor the description has one, a VAT only its "V"),
// so searching for a code finds that one customer; a VAT's 7 digits are
// in no name.

// codeLetters are the letters a name's code is written with.
const codeLetters = "fhijkmpqrtuvwxz"

// nameFragment is the selective part of customer i's name: i in base 15,
// six letters, the first upper case.
func nameFragment(i int) string {
	b := []byte("aaaaaa")
	for j := len(b) - 1; j >= 0; j-- {
		b[j] = codeLetters[i%len(codeLetters)]
		i /= len(codeLetters)
	}
	b[0] -= 'a' - 'A'
	return string(b)
}

func scaleName(runID string, i int) string { return "Loadgen " + runID + " " + nameFragment(i) }

func scaleVAT(runID string, i int) string { return fmt.Sprintf("LG%sV%07d", runID, scrambled(i)) }

// scrambled maps 0..10^7-1 onto itself one to one (7919 is prime to 10).
func scrambled(i int) int { return (i*7919 + 104729) % 10_000_000 }

func scaleBody(runID string, i int) (sentCustomer, []byte) {
	c := sentCustomer{name: scaleName(runID, i), vat: scaleVAT(runID, i)}
	body := fmt.Appendf(make([]byte, 0, 192),
		`{"name":%q,"description":"seeded by loadgen scale","custom_data":{"vat":%q,"email":"scale@example.com","region":"Italy"}}`,
		c.name, c.vat)
	return c, body
}

// vatFragment is 6 consecutive digits of customer i's VAT, at offset 0
// or 1 of its 7.
func vatFragment(i, offset int) string { return fmt.Sprintf("%07d", scrambled(i))[offset : offset+6] }

// viewer is who reads: the owner sees every customer, a parent the ones
// created under it.
type viewer struct {
	name   string
	parent int // -1 for the owner
	token  string
}

// viewerSpecs are the viewers of a run over parents: with one parent
// that parent (it sees everything), else the owner and the first parent.
func viewerSpecs(parents int) []viewer {
	if parents == 1 {
		return []viewer{{name: "parent", parent: 0}}
	}
	return []viewer{{name: "owner", parent: -1}, {name: "parent", parent: 0}}
}

// scopeSize is how many of size customers the viewer sees.
func (v viewer) scopeSize(size, parents int) int {
	if v.parent < 0 {
		return size
	}
	if v.parent >= size {
		return 0
	}
	return (size - v.parent + parents - 1) / parents
}

// pick returns a random customer the viewer sees among the first size.
func (v viewer) pick(rnd *rand.Rand, size, parents int) int {
	if v.parent < 0 {
		return rnd.IntN(size)
	}
	return v.parent + rnd.IntN(v.scopeSize(size, parents))*parents
}

// pages is how many pages of pageSize hold total customers (at least 1).
func pages(total, pageSize int) int { return max(1, (total+pageSize-1)/pageSize) }

// middlePage is the page in the middle of total customers.
func middlePage(total, pageSize int) int { return (pages(total, pageSize) + 1) / 2 }

// scaleTarget is the path and query of one request of kind for a viewer
// seeing scope customers; cursor is the one taken after the middle page,
// target the customer a search looks for.
func scaleTarget(base, kind string, scope int, cursor string, target, offset int) string {
	q := url.Values{"page_size": {strconv.Itoa(scalePageSize)}}
	switch kind {
	case skFirstCreated:
		q.Set("sort_by", "created_at")
	case skFirstName:
		q.Set("sort_by", "name")
	case skFirstUpdated:
		q.Set("sort_by", "updated_at")
	case skPageMiddle:
		q.Set("page", strconv.Itoa(middlePage(scope, scalePageSize)))
	case skPageLast:
		q.Set("page", strconv.Itoa(pages(scope, scalePageSize)))
	case skCursorMiddle:
		q.Set("cursor", cursor)
	case skSearchName:
		q.Set("search", nameFragment(target))
	case skSearchCommon:
		q.Set("search", scaleCommonTerm)
	case skSearchVAT:
		q.Set("search", vatFragment(target, offset))
	}
	return base + "/customers?" + q.Encode()
}

// ScaleReport is the JSON scale writes.
type ScaleReport struct {
	Machine     string      `json:"machine"`
	Build       string      `json:"build"`
	ReadModel   string      `json:"read_model"`
	Parents     int         `json:"parents"`
	Concurrency int         `json:"seed_concurrency"`
	Requests    int         `json:"requests_per_kind"`
	Warmup      int         `json:"warmup_per_kind"`
	PageSize    int         `json:"page_size"`
	TargetP99Ms float64     `json:"target_p99_ms"`
	Steps       []ScaleStep `json:"steps"`
	Load        *ScaleLoad  `json:"load,omitempty"`
	Error       string      `json:"error,omitempty"`
}

// ScaleStep is one size: how it was seeded, the service's state and each
// kind's latencies.
type ScaleStep struct {
	Customers             int               `json:"customers"`
	SeedSeconds           float64           `json:"seed_seconds"`
	SeedCreatesPerSec     float64           `json:"seed_creates_per_sec"`
	SeedErrors            map[string]int    `json:"seed_errors_by_status"`
	ProjectionWaitSeconds float64           `json:"projection_wait_seconds"`
	RSSMB                 float64           `json:"service_rss_mb"`
	DataDirBytes          int64             `json:"data_dir_bytes"`
	ReadModelBytes        int64             `json:"readmodel_db_bytes,omitempty"`
	Kinds                 []ScaleKindResult `json:"kinds"`
}

// ScaleKindResult is one viewer's one kind of read at one size.
type ScaleKindResult struct {
	Viewer    string         `json:"viewer"`
	Scope     int            `json:"scope_customers"`
	Kind      string         `json:"kind"`
	Requests  int            `json:"requests"`
	OK        int            `json:"ok"`
	LatencyMs Percentiles    `json:"latency_ms"`
	Errors    map[string]int `json:"errors"`
	// The answers' total_count, smallest and largest.
	MatchedMin int `json:"matched_min"`
	MatchedMax int `json:"matched_max"`
}

// ScaleLoad is the mixed load at the largest size.
type ScaleLoad struct {
	Customers  int     `json:"customers_before"`
	Result     Result  `json:"result"`
	MaxRSSMB   float64 `json:"max_rss_mb"`
	RSSSamples int     `json:"rss_samples"`
}

// listAnswer is what scale reads of a list answer.
type listAnswer struct {
	Data struct {
		Customers  []json.RawMessage `json:"customers"`
		Pagination struct {
			TotalCount int     `json:"total_count"`
			TotalPages int     `json:"total_pages"`
			NextCursor *string `json:"next_cursor"`
		} `json:"pagination"`
	} `json:"data"`
}

// scaler is one scale run against a started service.
type scaler struct {
	cfg     scaleConfig
	svc     *service
	db      *scratchDB // nil: SQLite read model
	l       *loader    // its tokens are the parents, its rings the seeded customers
	owner   string     // the owner's token
	reader  *http.Client
	seeded  int
	rnd     *rand.Rand
	logf    func(format string, args ...any)
	viewers []viewer
}

// runScale starts the service and measures the curve.
func runScale(ctx context.Context, args []string) error {
	cfg, err := parseScaleFlags(args)
	if err != nil {
		return err
	}
	if cfg.build == "" {
		cfg.build = gitDescribe()
	}
	s := &scaler{cfg: cfg, rnd: rand.New(rand.NewPCG(rand.Uint64(), 13)),
		reader: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}, Timeout: 60 * time.Second},
		logf:   func(format string, args ...any) { fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...) },
	}
	var env []string
	readModel := "sqlite (DATA_DIR)"
	if cfg.readModelURL != "" {
		s.db = newScratchDB(cfg.readModelURL, "customersvc_scale", "-readmodel-url")
		dbURL, err := s.db.create(ctx, nil)
		if err != nil {
			return err
		}
		defer func() {
			if cfg.keep {
				s.logf("kept the read model's database %s", s.db.name)
				return
			}
			s.db.drop()
		}()
		env = append(env, "READMODEL_URL="+dbURL)
		readModel = "postgresql (fresh database " + s.db.name + ")"
	}
	svc, err := startServiceEnv(ctx, cfg.addr, cfg.bin, env...)
	if err != nil {
		return err
	}
	svc.keep = cfg.keep
	defer svc.stop()
	s.svc = svc

	s.l, err = newLoader(loadConfig{URL: svc.base, Secret: svc.secret, Concurrency: cfg.concurrency, Orgs: cfg.parents, Mix: mustParseMix(defaultMix)})
	if err != nil {
		return err
	}
	if s.owner, err = auth.Mint(svc.secret, auth.MintClaims{UserID: "loadgen-scale", OrganizationID: "loadgen-" + s.l.runID + "-owner",
		OrgRole: "Owner", Permissions: auth.DefaultPermissions("owner"), TTL: 24 * time.Hour}, time.Now()); err != nil {
		return err
	}
	for _, v := range viewerSpecs(cfg.parents) {
		v.token = s.owner
		if v.parent >= 0 {
			v.token = s.l.tokens[v.parent]
		}
		s.viewers = append(s.viewers, v)
	}

	report := ScaleReport{
		Machine: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel()),
		Build:   cfg.build, ReadModel: readModel, Parents: cfg.parents, Concurrency: cfg.concurrency,
		Requests: cfg.n, Warmup: cfg.warmup, PageSize: scalePageSize, TargetP99Ms: scaleTargetMs,
	}
	runErr := s.run(ctx, &report)
	if runErr != nil {
		report.Error = runErr.Error()
	}
	printScale(os.Stdout, report)
	if err := writeScale(cfg.out, report); err != nil {
		return errors.Join(runErr, err)
	}
	return runErr
}

func (s *scaler) run(ctx context.Context, report *ScaleReport) error {
	for _, size := range s.cfg.sizes {
		step, err := s.step(ctx, size)
		if err != nil {
			return fmt.Errorf("at %d customers: %w", size, err)
		}
		report.Steps = append(report.Steps, step)
		printStepLine(os.Stderr, step)
	}
	if s.cfg.load > 0 && ctx.Err() == nil {
		report.Load = s.loadPhase(ctx)
	}
	return ctx.Err()
}

// step seeds up to size, waits for the projection and measures.
func (s *scaler) step(ctx context.Context, size int) (ScaleStep, error) {
	step := ScaleStep{Customers: size}
	s.logf("seeding customers %d to %d over %d parents, %d clients...", s.seeded, size, s.cfg.parents, s.cfg.concurrency)
	start := time.Now()
	created, errs := s.seed(ctx, s.seeded, size)
	step.SeedSeconds = time.Since(start).Seconds()
	step.SeedCreatesPerSec = float64(created) / step.SeedSeconds
	step.SeedErrors = errs
	if len(errs) > 0 {
		return step, fmt.Errorf("seeding: %d of %d creates failed (%s); the read model would not hold %d customers", size-s.seeded-created, size-s.seeded, formatErrors(errs), size)
	}
	if err := ctx.Err(); err != nil {
		return step, err
	}
	s.seeded = size
	waitStart := time.Now()
	if err := s.waitProjected(ctx, size); err != nil {
		return step, err
	}
	step.ProjectionWaitSeconds = time.Since(waitStart).Seconds()
	s.logf("%d customers projected (%.1f s after the last 201); measuring %d requests of each kind...", size, step.ProjectionWaitSeconds, s.cfg.n)
	kinds, err := s.measure(ctx, size)
	if err != nil {
		return step, err
	}
	step.Kinds = kinds
	step.RSSMB = rssMB(s.svc.cmd.Process.Pid)
	for _, n := range dataDirSizes(s.svc.dataDir) {
		step.DataDirBytes += n
	}
	if s.db != nil {
		step.ReadModelBytes = s.db.size(ctx)
	}
	return step, nil
}

// seed creates customers from to to through the API with the loader's
// connections, -c at a time, and keeps them in the loader's rings for the
// load phase. It returns how many it created and the failures by status.
func (s *scaler) seed(ctx context.Context, from, to int) (int, map[string]int) {
	var (
		next    atomic.Int64
		created atomic.Int64
		mu      sync.Mutex
		errs    = map[string]int{}
		wg      sync.WaitGroup
	)
	next.Store(int64(from))
	path := s.l.basePath + "/customers"
	for range s.cfg.concurrency {
		wg.Go(func() {
			conn := s.l.newPoster()
			defer conn.close()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				org := i % s.cfg.parents
				c, body := scaleBody(s.l.runID, i)
				rep, err := conn.send(ctx, "POST", path, s.l.tokens[org], body)
				if err == nil && rep.status == http.StatusCreated {
					c.id = idFromLocation(rep.location)
					s.l.rings[org].add(c)
					created.Add(1)
					continue
				}
				if ctx.Err() != nil {
					return
				}
				status := "transport"
				if err == nil {
					status = strconv.Itoa(rep.status)
				}
				mu.Lock()
				errs[status]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return int(created.Load()), errs
}

// waitProjected waits until the owner's list counts want customers; it
// gives up when the count has not moved for a minute.
func (s *scaler) waitProjected(ctx context.Context, want int) error {
	last, moved := -1, time.Now()
	for ctx.Err() == nil {
		status, a, _, err := s.get(ctx, s.l.basePath+"/customers?page_size=1", s.owner)
		switch {
		case err != nil:
			return fmt.Errorf("waiting for the projection: %w", err)
		case status != http.StatusOK:
			return fmt.Errorf("waiting for the projection: the owner's list answered %d", status)
		}
		got := a.Data.Pagination.TotalCount
		if got == want {
			return nil
		}
		if got > want {
			return fmt.Errorf("the owner's list counts %d customers, more than the %d seeded", got, want)
		}
		if got != last {
			last, moved = got, time.Now()
		} else if time.Since(moved) > time.Minute {
			return fmt.Errorf("the projection stopped at %d of %d customers for a minute", got, want)
		}
		sleep(ctx, 100*time.Millisecond)
	}
	return ctx.Err()
}

// get sends one GET and times it until the whole answer is read; the
// answer is decoded after.
func (s *scaler) get(ctx context.Context, target, tok string) (int, listAnswer, time.Duration, error) {
	var a listAnswer
	req, err := http.NewRequestWithContext(ctx, "GET", s.svc.base+strings.TrimPrefix(target, s.l.basePath), nil)
	if err != nil {
		return 0, a, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	t0 := time.Now()
	res, err := s.reader.Do(req)
	if err != nil {
		return 0, a, 0, err
	}
	body, err := io.ReadAll(res.Body)
	elapsed := time.Since(t0)
	res.Body.Close()
	if err != nil {
		return 0, a, elapsed, err
	}
	if res.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &a); err != nil {
			return res.StatusCode, a, elapsed, fmt.Errorf("%s: %w", target, err)
		}
	}
	return res.StatusCode, a, elapsed, nil
}

// kindRecord collects one viewer's one kind at one size.
type kindRecord struct {
	res       ScaleKindResult
	latencies []time.Duration
}

// measure times each viewer's kinds with one client, one request after
// the other, the kinds taking turns so that whatever the service does in
// the background falls on all of them alike.
func (s *scaler) measure(ctx context.Context, size int) ([]ScaleKindResult, error) {
	var out []ScaleKindResult
	for _, v := range s.viewers {
		scope := v.scopeSize(size, s.cfg.parents)
		// The cursor after the middle page: every list answer carries one.
		status, a, _, err := s.get(ctx, scaleTarget(s.l.basePath, skPageMiddle, scope, "", 0, 0), v.token)
		if err != nil || status != http.StatusOK {
			return nil, fmt.Errorf("%s: the middle page for a cursor: status %d, %v", v.name, status, err)
		}
		if a.Data.Pagination.TotalCount != scope {
			return nil, fmt.Errorf("%s: the list counts %d customers, want %d", v.name, a.Data.Pagination.TotalCount, scope)
		}
		cursor := ""
		if a.Data.Pagination.NextCursor != nil {
			cursor = *a.Data.Pagination.NextCursor
		} else if pages(scope, scalePageSize) > 1 {
			return nil, fmt.Errorf("%s: the middle page of %d has no next_cursor", v.name, pages(scope, scalePageSize))
		}
		recs := make([]*kindRecord, len(scaleKinds))
		for k, kind := range scaleKinds {
			recs[k] = &kindRecord{res: ScaleKindResult{Viewer: v.name, Scope: scope, Kind: kind, Errors: map[string]int{}, MatchedMin: -1}}
		}
		for i := range s.cfg.warmup + s.cfg.n {
			for k, kind := range scaleKinds {
				if kind == skCursorMiddle && cursor == "" {
					continue // a single page: there is no page after the middle
				}
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				target := scaleTarget(s.l.basePath, kind, scope, cursor, v.pick(s.rnd, size, s.cfg.parents), s.rnd.IntN(2))
				status, a, elapsed, err := s.get(ctx, target, v.token)
				recs[k].add(i >= s.cfg.warmup, status, a, elapsed, err)
			}
		}
		for _, r := range recs {
			if r.res.Requests == 0 {
				continue // not sent: the cursor of a single page
			}
			r.res.LatencyMs = percentiles(r.latencies)
			r.res.MatchedMin = max(r.res.MatchedMin, 0)
			out = append(out, r.res)
		}
	}
	return out, nil
}

// add records one answer; a measured one's latency counts when it is a
// 200 that holds customers (every kind looks for some: a search that
// finds nothing has missed the customer it was made from).
func (r *kindRecord) add(measured bool, status int, a listAnswer, elapsed time.Duration, err error) {
	if measured {
		r.res.Requests++
	}
	switch {
	case err != nil:
		r.res.Errors["transport"]++
		return
	case status != http.StatusOK:
		r.res.Errors[strconv.Itoa(status)]++
		return
	}
	n := a.Data.Pagination.TotalCount
	if r.res.MatchedMin < 0 || n < r.res.MatchedMin {
		r.res.MatchedMin = n
	}
	r.res.MatchedMax = max(r.res.MatchedMax, n)
	if n == 0 || len(a.Data.Customers) == 0 { // every kind's answer holds customers

		r.res.Errors["no_match"]++
		return
	}
	if measured {
		r.res.OK++
		r.latencies = append(r.latencies, elapsed)
	}
}

// loadPhase sends the mix at the largest size for -load with -c clients,
// as the parents of the seeded customers (their gets and searches target
// them, their lists page through them), and samples the service's RSS.
func (s *scaler) loadPhase(ctx context.Context) *ScaleLoad {
	s.logf("mixed load %s at %d customers: %d clients, mix %s, sampling the RSS...", s.cfg.load, s.seeded, s.cfg.concurrency, s.l.cfg.Mix)
	s.l.cfg.Duration = s.cfg.load
	load := &ScaleLoad{Customers: s.seeded}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if rss := rssMB(s.svc.cmd.Process.Pid); rss > 0 {
				load.MaxRSSMB = max(load.MaxRSSMB, rss)
				load.RSSSamples++
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	load.Result = s.l.run(ctx)
	close(done)
	wg.Wait()
	load.Result.ServiceRSSMB = rssMB(s.svc.cmd.Process.Pid)
	return load
}

// size is the database's size in bytes, 0 when it cannot be read.
func (d *scratchDB) size(ctx context.Context) int64 {
	u, err := url.Parse(d.server)
	if err != nil {
		return 0
	}
	u.Path = "/" + d.name
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return 0
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n); err != nil {
		return 0
	}
	return n
}

// scaleBase is the files' name without extension: one set per -parents.
func scaleBase(dir string, parents int) string {
	return filepath.Join(dir, fmt.Sprintf("scale-parents-%d", parents))
}

func writeScale(dir string, r ScaleReport) error {
	base := scaleBase(dir, r.Parents)
	if err := writeJSON(base+".json", r); err != nil {
		return err
	}
	var md strings.Builder
	printScale(&md, r)
	if err := os.WriteFile(base+".md", []byte(md.String()), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(base+".svg", []byte(plotScale(r)), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "loadgen: wrote %s.json, .md and .svg\n", base)
	return nil
}

func printStepLine(w io.Writer, st ScaleStep) {
	fmt.Fprintf(w, "loadgen: %d customers: seeded at %.0f creates/s, RSS %.0f MB, DATA_DIR %.1f MiB\n",
		st.Customers, st.SeedCreatesPerSec, st.RSSMB, mib(st.DataDirBytes))
}

// scaleRow is one viewer's kind across the sizes.
type scaleRow struct {
	viewer, kind string
	byStep       []*ScaleKindResult // nil where the step did not measure it
}

func scaleRows(r ScaleReport) []scaleRow {
	var rows []scaleRow
	index := map[[2]string]int{}
	for si, st := range r.Steps {
		for ki := range st.Kinds {
			k := &r.Steps[si].Kinds[ki]
			key := [2]string{k.Viewer, k.Kind}
			i, ok := index[key]
			if !ok {
				i = len(rows)
				index[key] = i
				rows = append(rows, scaleRow{viewer: k.Viewer, kind: k.Kind, byStep: make([]*ScaleKindResult, len(r.Steps))})
			}
			rows[i].byStep[si] = k
		}
	}
	// Each viewer's rows together, in the order of scaleKinds, though a
	// kind may first show at a later size.
	var viewers []string
	for _, row := range rows {
		if !slices.Contains(viewers, row.viewer) {
			viewers = append(viewers, row.viewer)
		}
	}
	slices.SortStableFunc(rows, func(a, b scaleRow) int {
		if d := slices.Index(viewers, a.viewer) - slices.Index(viewers, b.viewer); d != 0 {
			return d
		}
		return slices.Index(scaleKinds, a.kind) - slices.Index(scaleKinds, b.kind)
	})
	return rows
}

// flat is the rule scale holds the curve to: the p99 at the largest size
// at most 1.5 times the one at the smallest, plus 1 ms for the noise of
// sub-millisecond figures.
func flat(first, last float64) bool { return last <= 1.5*first+1 }

// rowVerdict is whether every p99 of a row met the target without
// errors, whether its curve is flat, and at how many sizes it was
// measured.
func rowVerdict(row scaleRow) (within, isFlat bool, steps int) {
	var first, last *ScaleKindResult
	within = true
	for _, k := range row.byStep {
		if k == nil {
			continue
		}
		if first == nil {
			first = k
		}
		last = k
		steps++
		within = within && k.OK > 0 && k.LatencyMs.P99 <= scaleTargetMs && len(k.Errors) == 0
	}
	if first == nil {
		return false, false, 0
	}
	return within, flat(first.LatencyMs.P99, last.LatencyMs.P99), steps
}

// printScale writes the report as markdown: the latency table, the
// service at each size and the load phase.
func printScale(w io.Writer, r ScaleReport) {
	fmt.Fprintf(w, "machine: %s; build %s; read model %s; %d parent(s); %d measured requests per kind (after %d warm-up), one client, page_size %d\n\n",
		r.Machine, r.Build, r.ReadModel, r.Parents, r.Requests, r.Warmup, r.PageSize)
	header, rule := "| viewer | kind |", "|---|---|"
	for _, st := range r.Steps {
		header += fmt.Sprintf(" %s p50 / p99 ms |", thousands(st.Customers))
		rule += "---:|"
	}
	fmt.Fprintln(w, header+fmt.Sprintf(" p99 ≤ %.0f ms | flat | errors |", r.TargetP99Ms))
	fmt.Fprintln(w, rule+"---|---|---|")
	for _, row := range scaleRows(r) {
		line := fmt.Sprintf("| %s | %s |", row.viewer, scaleKindLabels[row.kind])
		errs := map[string]int{}
		for _, k := range row.byStep {
			if k == nil {
				line += " – |"
				continue
			}
			line += fmt.Sprintf(" %.2f / %.2f |", k.LatencyMs.P50, k.LatencyMs.P99)
			for status, n := range k.Errors {
				errs[status] += n
			}
		}
		within, isFlat, steps := rowVerdict(row)
		verdicts := yes(within) + " | " + yes(isFlat)
		if steps < 2 {
			verdicts = yes(within) + " | –" // one size is no curve
		}
		fmt.Fprintf(w, "%s %s | %s |\n", line, verdicts, formatErrors(errs))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| customers | seeded at creates/s | seed s | projected s after | RSS MB | DATA_DIR MiB | read-model DB MiB | seed errors |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, st := range r.Steps {
		db := "–"
		if st.ReadModelBytes > 0 {
			db = fmt.Sprintf("%.1f", mib(st.ReadModelBytes))
		}
		fmt.Fprintf(w, "| %s | %.0f | %.1f | %.1f | %.0f | %.1f | %s | %s |\n", thousands(st.Customers), st.SeedCreatesPerSec,
			st.SeedSeconds, st.ProjectionWaitSeconds, st.RSSMB, mib(st.DataDirBytes), db, formatErrors(st.SeedErrors))
	}
	if l := r.Load; l != nil {
		res := l.Result
		fmt.Fprintf(w, "\nmixed load at %s customers: %d clients for %.0f s, mix %s: %.0f requests/s (%.0f creates/s), errors %s, list lag p99 %.0f ms;",
			thousands(l.Customers), res.Concurrency, res.DurationSeconds, res.Mix, res.ThroughputPerSec, res.CreatesPerSec,
			formatErrors(res.Errors), res.LagMs.P99)
		for _, k := range res.Kinds {
			fmt.Fprintf(w, " %s p99 %.1f ms;", k.Kind, k.LatencyMs.P99)
		}
		fmt.Fprintf(w, " max RSS %.0f MB over %d samples (target ≤ %.0f MB: %s)\n", l.MaxRSSMB, l.RSSSamples, scaleTargetRSSMB,
			yes(l.MaxRSSMB > 0 && l.MaxRSSMB <= scaleTargetRSSMB))
	}
	if r.Error != "" {
		fmt.Fprintf(w, "\nstopped: %s\n", r.Error)
	}
	fmt.Fprintf(w, "\nflat: the p99 at the largest size ≤ 1.5 × the smallest's + 1 ms; a row meets p99 ≤ %.0f ms when every size does without errors\n", r.TargetP99Ms)
}

// thousands writes n with thousands separators: 1,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// sizes is the sizes of the report, for the plot's axis.
func (r ScaleReport) sizes() []int {
	out := make([]int, len(r.Steps))
	for i, st := range r.Steps {
		out[i] = st.Customers
	}
	return out
}

// viewersOf names the report's viewers in their order.
func (r ScaleReport) viewers() []string {
	var names []string
	for _, row := range scaleRows(r) {
		if !slices.Contains(names, row.viewer) {
			names = append(names, row.viewer)
		}
	}
	return names
}
