package main

import (
	"encoding/json"
	"encoding/xml"
	"math"
	"math/rand/v2"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/customersvc/customersvc/domain"
)

// TestParseScaleFlagsDefaults: without flags, the curve over one
// parent.
func TestParseScaleFlagsDefaults(t *testing.T) {
	cfg, err := parseScaleFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.sizes, []int{10_000, 100_000, 1_000_000}) || cfg.parents != 1 || cfg.concurrency != 64 ||
		cfg.n != 200 || cfg.out != "bench-results/scale" || cfg.load != 20*time.Second || cfg.readModelURL != "" || cfg.keep {
		t.Errorf("defaults: %+v", cfg)
	}
	cfg, err = parseScaleFlags([]string{"-sizes", "2_000, 10000", "-parents", "1000", "-n", "50", "-load", "0",
		"-readmodel-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "-keep"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.sizes, []int{2000, 10000}) || cfg.parents != 1000 || cfg.n != 50 || cfg.load != 0 || !cfg.keep ||
		!strings.HasPrefix(cfg.readModelURL, "postgres://") {
		t.Errorf("given: %+v", cfg)
	}
}

// TestParseScaleFlagsReportsEveryProblem: each bad flag is named, all at
// once.
func TestParseScaleFlagsReportsEveryProblem(t *testing.T) {
	_, err := parseScaleFlags([]string{"-sizes", "1000,100", "-parents", "0", "-c", "0", "-n", "0", "-warmup", "-1", "-readmodel-url", "mysql://db/x"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"sizes must ascend", "-parents", "-c must", "-n must", "-warmup", "-readmodel-url"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	for _, spec := range []string{"", "0", "10,abc", "-5", "100,100"} {
		if _, err := parseSizes(spec); err == nil {
			t.Errorf("parseSizes(%q): no error", spec)
		}
	}
	if _, err := parseScaleFlags([]string{"stray"}); err == nil {
		t.Error("a stray argument was accepted")
	}
}

// TestSeededCustomersAndFragments: the seeded customers are valid and
// unique, a name fragment finds exactly its customer among all of them
// (names, descriptions and VATs: what a search matches), and a VAT
// fragment is 6 digits of the customer's VAT that few others contain.
func TestSeededCustomersAndFragments(t *testing.T) {
	const runID, n = "482913", 30_000
	texts := make([]string, n) // what a search looks in, lower case
	vats := map[string]bool{}
	for i := range n {
		c, body := scaleBody(runID, i)
		var sent struct {
			Name       string `json:"name"`
			CustomData struct {
				VAT string `json:"vat"`
			} `json:"custom_data"`
			Description string `json:"description"`
		}
		if err := json.Unmarshal(body, &sent); err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		if sent.Name != c.name || sent.CustomData.VAT != c.vat {
			t.Fatalf("body %d: %s", i, body)
		}
		if vats[c.vat] {
			t.Fatalf("VAT %s twice", c.vat)
		}
		vats[c.vat] = true
		texts[i] = strings.ToLower(c.name + " " + sent.Description + " " + c.vat)
	}
	// The VAT is no EU member state's, so no national format applies, and
	// it is alphanumeric and short, as the domain requires.
	vat := scaleVAT(runID, 123)
	if domain.VATCountry(domain.NormalizeVAT(vat)) != "" || !regexp.MustCompile(`^[A-Z0-9]{2,32}$`).MatchString(vat) {
		t.Errorf("VAT %q", vat)
	}
	// Count every customer that holds each string of 6 to 8 characters.
	holders := map[string]int{}
	for _, text := range texts {
		seen := map[string]bool{}
		for w := 6; w <= 8; w++ {
			for j := 0; j+w <= len(text); j++ {
				if s := text[j : j+w]; !seen[s] {
					seen[s] = true
					holders[s]++
				}
			}
		}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		i := rnd.IntN(n)
		if f := nameFragment(i); holders[strings.ToLower(f)] != 1 || !strings.Contains(scaleName(runID, i), f) {
			t.Fatalf("name fragment %q of %q: %d customers hold it", f, scaleName(runID, i), holders[f])
		}
		off := rnd.IntN(2)
		f := vatFragment(i, off)
		if len(f) != 6 || strings.Trim(f, "0123456789") != "" || !strings.Contains(scaleVAT(runID, i), f) {
			t.Fatalf("VAT fragment %q of %q", f, scaleVAT(runID, i))
		}
		if holders[f] < 1 || holders[f] > 5 {
			t.Fatalf("VAT fragment %q of %q: %d customers hold it", f, scaleVAT(runID, i), holders[f])
		}
	}
	if holders[scaleCommonTerm] != n {
		t.Errorf("the common term is in %d of %d customers", holders[scaleCommonTerm], n)
	}
	if nameFragment(0) != "Ffffff" || nameFragment(16) != "Ffffhh" || nameFragment(15*15*15*15*15*15-1) != "Zzzzzz" {
		t.Errorf("codes %q %q %q", nameFragment(0), nameFragment(16), nameFragment(15*15*15*15*15*15-1))
	}
	// scrambled is one to one, so VATs stay unique up to 10^7 customers.
	seen := map[int]bool{}
	for i := range 200_000 {
		v := scrambled(i)
		if seen[v] || v < 0 || v >= 10_000_000 {
			t.Fatalf("scrambled(%d) = %d", i, v)
		}
		seen[v] = true
	}
}

// TestViewersPickInTheirScope: the owner sees all, a parent every
// parents-th customer from its own index, and picks only among those.
func TestViewersPickInTheirScope(t *testing.T) {
	if v := viewerSpecs(1); len(v) != 1 || v[0].parent != 0 {
		t.Errorf("one parent: %+v", v)
	}
	vs := viewerSpecs(1000)
	if len(vs) != 2 || vs[0].name != "owner" || vs[0].parent != -1 || vs[1].parent != 0 {
		t.Fatalf("1000 parents: %+v", vs)
	}
	owner, parent := vs[0], vs[1]
	for _, c := range []struct{ size, owner, parent int }{{10_000, 10_000, 10}, {1_000_000, 1_000_000, 1000}, {2500, 2500, 3}, {1, 1, 1}} {
		if got := owner.scopeSize(c.size, 1000); got != c.owner {
			t.Errorf("owner at %d: %d", c.size, got)
		}
		if got := parent.scopeSize(c.size, 1000); got != c.parent {
			t.Errorf("parent at %d: %d", c.size, got)
		}
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	hit := map[int]bool{}
	for range 1000 {
		i := parent.pick(rnd, 2500, 1000)
		if i%1000 != 0 || i >= 2500 {
			t.Fatalf("parent 0 picked customer %d", i)
		}
		hit[i] = true
		if j := owner.pick(rnd, 2500, 1000); j < 0 || j >= 2500 {
			t.Fatalf("owner picked %d", j)
		}
	}
	if len(hit) != 3 {
		t.Errorf("parent 0 picked %v, want each of 0, 1000, 2000", hit)
	}
}

// TestScaleTargets: each kind's query, the deep pages where they belong.
func TestScaleTargets(t *testing.T) {
	if pages(0, 20) != 1 || pages(20, 20) != 1 || pages(21, 20) != 2 || middlePage(1_000_000, 20) != 25_000 || middlePage(10_001, 20) != 251 {
		t.Error("pages")
	}
	query := func(kind string) url.Values {
		t.Helper()
		target := scaleTarget("/api", kind, 10_001, "CUR+/=", 4321, 1)
		path, raw, _ := strings.Cut(target, "?")
		if path != "/api/customers" {
			t.Fatalf("%s: path %s", kind, path)
		}
		q, err := url.ParseQuery(raw)
		if err != nil || q.Get("page_size") != "20" {
			t.Fatalf("%s: %s (%v)", kind, raw, err)
		}
		return q
	}
	for kind, want := range map[string]map[string]string{
		skFirstCreated: {"sort_by": "created_at"},
		skFirstName:    {"sort_by": "name"},
		skFirstUpdated: {"sort_by": "updated_at"},
		skPageMiddle:   {"page": "251"},
		skPageLast:     {"page": "501"},
		skCursorMiddle: {"cursor": "CUR+/="},
		skSearchName:   {"search": nameFragment(4321)},
		skSearchCommon: {"search": "oadgen"},
		skSearchVAT:    {"search": vatFragment(4321, 1)},
	} {
		q := query(kind)
		for k, v := range want {
			if q.Get(k) != v {
				t.Errorf("%s: %s=%q, want %q", kind, k, q.Get(k), v)
			}
		}
	}
}

// TestKindRecordCountsEveryFailure: a failed answer or one without
// customers is an error, in the warm-up too; only measured successes
// have a latency.
func TestKindRecordCountsEveryFailure(t *testing.T) {
	r := &kindRecord{res: ScaleKindResult{Errors: map[string]int{}, MatchedMin: -1}}
	var found, empty listAnswer
	found.Data.Customers = []json.RawMessage{[]byte(`{}`)}
	found.Data.Pagination.TotalCount = 7
	r.add(false, 500, listAnswer{}, time.Millisecond, nil)  // warm-up, failed
	r.add(true, 200, found, 2*time.Millisecond, nil)        // ok
	r.add(true, 200, empty, 3*time.Millisecond, nil)        // a search that found nothing
	r.add(true, 0, listAnswer{}, 0, errTest)                // transport
	r.add(true, 503, listAnswer{}, 4*time.Millisecond, nil) // failed
	if r.res.Requests != 4 || r.res.OK != 1 || len(r.latencies) != 1 || r.latencies[0] != 2*time.Millisecond {
		t.Errorf("counts: %+v, latencies %v", r.res, r.latencies)
	}
	if want := map[string]int{"500": 1, "503": 1, "no_match": 1, "transport": 1}; !mapsEqual(r.res.Errors, want) {
		t.Errorf("errors %v, want %v", r.res.Errors, want)
	}
	if r.res.MatchedMin != 0 || r.res.MatchedMax != 7 {
		t.Errorf("matched %d..%d", r.res.MatchedMin, r.res.MatchedMax)
	}
}

var errTest = strconv.ErrSyntax

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// scaleReportFixture has three sizes and two viewers: the owner's middle
// page grows with the customers, the parent's first page does not.
func scaleReportFixture() ScaleReport {
	r := ScaleReport{Machine: "test", Build: "abc", ReadModel: "sqlite (DATA_DIR)", Parents: 1000, Requests: 200, Warmup: 5, PageSize: 20, TargetP99Ms: 10}
	for i, size := range []int{10_000, 100_000, 1_000_000} {
		grow := math.Pow(10, float64(i)) // 1, 10, 100
		r.Steps = append(r.Steps, ScaleStep{Customers: size, SeedCreatesPerSec: 3000, RSSMB: 100 + 50*float64(i), DataDirBytes: int64(size) * 1000,
			Kinds: []ScaleKindResult{
				{Viewer: "owner", Kind: skPageMiddle, OK: 200, LatencyMs: Percentiles{P50: grow, P99: 2 * grow}, Errors: map[string]int{}},
				{Viewer: "parent", Kind: skFirstCreated, OK: 200, LatencyMs: Percentiles{P50: 0.5, P99: 1.2}, Errors: map[string]int{}},
				{Viewer: "parent", Kind: skSearchVAT, OK: 200, LatencyMs: Percentiles{P50: 0.5, P99: 0.8}, Errors: map[string]int{}},
			}})
	}
	r.Steps[2].Kinds[1].Errors["503"] = 2
	// The parent's cursor only at the largest size (a single page before).
	r.Steps[2].Kinds = append(r.Steps[2].Kinds, ScaleKindResult{Viewer: "parent", Kind: skCursorMiddle, OK: 200,
		LatencyMs: Percentiles{P50: 0.4, P99: 0.9}, Errors: map[string]int{}})
	r.Load = &ScaleLoad{Customers: 1_000_000, MaxRSSMB: 280, RSSSamples: 200, Result: Result{Concurrency: 64, DurationSeconds: 20, Mix: defaultMix}}
	return r
}

// TestPrintScaleTable: size × kind with p50 / p99, the verdicts per row,
// the service per size and the load phase's RSS against its target.
func TestPrintScaleTable(t *testing.T) {
	var b strings.Builder
	printScale(&b, scaleReportFixture())
	out := b.String()
	// The parent's cursor row comes before its search, as in scaleKinds,
	// though it was first measured at a later size.
	if i, j := strings.Index(out, "| parent | cursor= middle"), strings.Index(out, "| parent | search 6 VAT digits"); i < 0 || j < i {
		t.Errorf("rows out of order:\n%s", out)
	}
	for _, want := range []string{
		"| viewer | kind | 10,000 p50 / p99 ms | 100,000 p50 / p99 ms | 1,000,000 p50 / p99 ms | p99 ≤ 10 ms | flat | errors |",
		"| owner | page= middle | 1.00 / 2.00 | 10.00 / 20.00 | 100.00 / 200.00 | MISSED | MISSED | 0 |",
		// within the target and flat, but not without errors
		"| parent | first page, created_at | 0.50 / 1.20 | 0.50 / 1.20 | 0.50 / 1.20 | MISSED | met | 503×2 |",
		"| parent | cursor= middle | – | – | 0.40 / 0.90 | met | – | 0 |",
		"| 1,000,000 | 3000 |",
		"max RSS 280 MB over 200 samples (target ≤ 300 MB: met)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	if !flat(1, 2.5) || flat(1, 2.6) || !flat(0.2, 1.2) {
		t.Error("flat")
	}
	if thousands(999) != "999" || thousands(1000) != "1,000" || thousands(1_000_000) != "1,000,000" {
		t.Error("thousands")
	}
}

// TestPlotScale: well-formed SVG, a panel per viewer, a line per kind
// with its points on a log axis of customers, and the target dashed at
// 10 ms on the log axis of milliseconds.
func TestPlotScale(t *testing.T) {
	svg := plotScale(scaleReportFixture())
	var doc struct {
		Lines []struct {
			Class string  `xml:"class,attr"`
			Dash  string  `xml:"stroke-dasharray,attr"`
			Y1    float64 `xml:"y1,attr"`
		} `xml:"line"`
		Polylines []struct {
			Points string `xml:"points,attr"`
		} `xml:"polyline"`
		Texts []string `xml:"text"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if len(doc.Polylines) != 4 {
		t.Fatalf("%d lines, want one per viewer's kind", len(doc.Polylines))
	}
	var targets []float64
	for _, l := range doc.Lines {
		if l.Class == "target" && l.Dash != "" {
			targets = append(targets, l.Y1)
		}
	}
	if len(targets) != 2 {
		t.Fatalf("%d dashed target lines, want one per panel", len(targets))
	}
	// The owner's panel: y from 1 to 1000 ms, 300 px high, top at 68: 10
	// ms is a third of the way up.
	if want := 68 + 300*2.0/3; math.Abs(targets[0]-want) > 0.2 {
		t.Errorf("target at y=%.1f, want %.1f", targets[0], want)
	}
	pts := strings.Fields(doc.Polylines[0].Points)
	if len(pts) != 3 {
		t.Fatalf("points %v", pts)
	}
	var xs, ys []float64
	for _, p := range pts {
		x, y, _ := strings.Cut(p, ",")
		xf, _ := strconv.ParseFloat(x, 64)
		yf, _ := strconv.ParseFloat(y, 64)
		xs, ys = append(xs, xf), append(ys, yf)
	}
	// Each tenfold of customers is the same width, each tenfold of p99
	// the same height.
	if math.Abs((xs[1]-xs[0])-(xs[2]-xs[1])) > 0.2 || xs[1] <= xs[0] || math.Abs((ys[0]-ys[1])-(ys[1]-ys[2])) > 0.2 || ys[1] >= ys[0] {
		t.Errorf("points not on log axes: %v", pts)
	}
	joined := strings.Join(doc.Texts, "|")
	for _, want := range []string{"page= middle", "first page, created_at", "1,000,000", "target 10 ms", "owner's reads", "parent's reads"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the plot lacks %q", want)
		}
	}
}
