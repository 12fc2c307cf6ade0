package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseMix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec    string
		want    [numKinds]int
		wantErr []string // each must be in the error
	}{
		{spec: defaultMix, want: [numKinds]int{1, 2, 1, 1}},
		{spec: " search = 3 , create=1", want: [numKinds]int{1, 0, 0, 3}},
		{spec: "create=1,get=0", want: [numKinds]int{1, 0, 0, 0}},
		{spec: "", wantErr: []string{`"": want kind=weight`}},
		{spec: "create", wantErr: []string{`"create": want kind=weight`}},
		{spec: "create=1,delete=2", wantErr: []string{`"delete": unknown kind`}},
		{spec: "create=1,create=2", wantErr: []string{`"create": given twice`}},
		{spec: "create=-1", wantErr: []string{`create="-1": weight must be a non-negative integer`}},
		{spec: "create=1.5", wantErr: []string{`weight must be a non-negative integer`}},
		{spec: "create=0,get=0", wantErr: []string{"every weight is zero"}},
		{spec: "get=x,put=1", wantErr: []string{`get="x"`, `"put": unknown kind`}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			t.Parallel()
			m, err := parseMix(tt.spec)
			if len(tt.wantErr) == 0 {
				if err != nil || m.weights != tt.want {
					t.Fatalf("parseMix(%q) = %v, %v; want %v", tt.spec, m.weights, err, tt.want)
				}
				if again, err := parseMix(m.String()); err != nil || again != m {
					t.Fatalf("String %q does not parse back: %v, %v", m.String(), again, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("parseMix(%q) accepted: %v", tt.spec, m.weights)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// TestPickFollowsTheWeights: every number of [0, total) falls on a kind,
// each kind on as many as its weight, and random draws come out in the
// proportions.
func TestPickFollowsTheWeights(t *testing.T) {
	t.Parallel()
	m := mustParseMix("create=1,get=3,search=2")
	var exact [numKinds]int
	for n := range m.total {
		exact[m.pick(n)]++
	}
	if exact != m.weights {
		t.Fatalf("numbers per kind %v, want the weights %v", exact, m.weights)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	const draws = 60_000
	var got [numKinds]int
	for range draws {
		got[m.pick(rnd.IntN(m.total))]++
	}
	for k, w := range m.weights {
		want := float64(draws) * float64(w) / float64(m.total)
		if math.Abs(float64(got[k])-want) > 0.02*draws {
			t.Errorf("%s: %d of %d draws, want about %.0f", kind(k), got[k], draws, want)
		}
	}
}

// TestReportPerKind: each kind of the mix gets its own count, rate,
// latencies and errors by status; the total adds them up and takes every
// kind's latencies; creates stay where a creates-only report had them.
func TestReportPerKind(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	for range 10 {
		rec.ok(kindCreate, 10*time.Millisecond)
	}
	for range 30 {
		rec.ok(kindGet, 1*time.Millisecond)
	}
	rec.failed(kindGet, "404")
	rec.failed(kindSearch, "503")
	rec.failed(kindSearch, "transport")
	m := rec.take()
	if m.requests != 43 || m.created != 10 || len(m.latencies) != 10 || m.errors["404"] != 1 {
		t.Fatalf("creates' figures: %+v", m)
	}
	kinds, total := m.byKind(mustParseMix("create=1,get=2,search=1"), 10*time.Second)
	byName := map[string]KindResult{}
	for _, k := range kinds {
		byName[k.Kind] = k
	}
	if len(kinds) != 3 {
		t.Fatalf("kinds %+v, want create, get, search", kinds)
	}
	if g := byName["get"]; g.Requests != 31 || g.OK != 30 || g.OKPerSec != 3 || g.LatencyMs.P99 != 1 || g.Errors["404"] != 1 {
		t.Errorf("get: %+v", g)
	}
	if s := byName["search"]; s.Requests != 2 || s.OK != 0 || s.Errors["503"] != 1 || s.Errors["transport"] != 1 {
		t.Errorf("search: %+v", s)
	}
	if c := byName["create"]; c.OKPerSec != 1 || c.LatencyMs.P50 != 10 {
		t.Errorf("create: %+v", c)
	}
	if total.Requests != 43 || total.OK != 40 || total.OKPerSec != 4 || total.LatencyMs.Max != 10 || total.LatencyMs.P50 != 1 || len(total.Errors) != 3 {
		t.Errorf("total: %+v", total)
	}
	var out bytes.Buffer
	printKinds(&out, Result{Concurrency: 8, Mix: "create=1,get=2,search=1", Kinds: kinds, Total: total, ThroughputPerSec: total.OKPerSec})
	for _, want := range []string{"| get | 31 | 3 | 1.0 | 1.0 | 1.0 | 404×1 |", "| search | 2 | 0 |", "503×1 transport×1", "| **total** | 43 | 4 |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestOrgRingKeepsTheLatest(t *testing.T) {
	t.Parallel()
	var r orgRing
	rnd := rand.New(rand.NewPCG(3, 4))
	if _, _, ok := r.random(rnd); ok {
		t.Fatal("an empty ring gave a customer")
	}
	for i := range ringSize + 10 {
		r.add(sentCustomer{id: string(rune('a' + i%26))})
	}
	if len(r.items) != ringSize || r.created != ringSize+10 {
		t.Fatalf("ring holds %d of %d created", len(r.items), r.created)
	}
	if got := idFromLocation("/api/customers/0191-abc"); got != "0191-abc" {
		t.Errorf("idFromLocation = %q", got)
	}
}

// TestReadTargets: a search asks for part of the customer's name or VAT,
// a list for 20 in one of the orders, a deeper page only within what the
// organization holds.
func TestReadTargets(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(5, 6))
	c := sentCustomer{id: "x", name: "Loadgen 123456 789", vat: "IT12345600789"}
	for range 200 {
		u, err := url.Parse(searchTarget("/api", rnd, c))
		if err != nil || u.Path != "/api/customers" {
			t.Fatalf("search target %v, %v", u, err)
		}
		term := u.Query().Get("search")
		if term == "" || (!strings.Contains(c.name, term) && !strings.Contains(c.vat, term)) {
			t.Fatalf("search %q is part of neither %q nor %q", term, c.name, c.vat)
		}
		u, _ = url.Parse(listTarget("", rnd, 100))
		q := u.Query()
		page, _ := strconv.Atoi(q.Get("page"))
		if q.Get("page_size") != "20" || q.Get("sort_by") == "" || q.Get("sort_direction") == "" || page > 5 || page == 1 {
			t.Fatalf("list target %s", u)
		}
	}
	for range 200 {
		if u := listTarget("", rnd, 39); strings.Contains(u, "&page=") {
			t.Fatalf("a deeper page of an organization with one page: %s", u)
		}
	}
}
