package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestCompareSummary: the ratio and the lag are the medians over the
// rounds, and the goal needs both.
func TestCompareSummary(t *testing.T) {
	t.Parallel()
	run := func(perSec, lagP99 float64) Result {
		return Result{ThroughputPerSec: perSec, LagMs: Percentiles{P99: lagP99},
			Kinds: []KindResult{{Kind: "create", LatencyMs: Percentiles{P99: 12.5}}, {Kind: "search", LatencyMs: Percentiles{P99: 40}}}}
	}
	rounds := []CompareRound{
		{Round: 1, Service: run(3000, 90), Peer: run(1000, 5), Ratio: 3},
		{Round: 2, Service: run(1500, 300), Peer: run(1000, 5), Ratio: 1.5},
		{Round: 3, Service: run(2500, 80), Peer: run(1000, 5), Ratio: 2.5},
	}
	r := CompareReport{Rounds: rounds}
	r.summarize()
	if r.MedianRatio != 2.5 || r.MedianLagP99Ms != 90 || !r.GoalMet {
		t.Fatalf("summary %+v", r)
	}
	r.Rounds[2].Service.LagMs.P99 = 150
	r.summarize()
	if r.MedianLagP99Ms != 150 || r.GoalMet || !strings.Contains(r.GoalExplanation, "not met (×2.50, lag p99 150 ms)") {
		t.Fatalf("lag over the goal: %+v", r)
	}
	var out bytes.Buffer
	printCompare(&out, r)
	for _, want := range []string{"| create p99 ms | search p99 ms |", "| 2 | customersvc | 1500 | 0 | 12.5 | 40.0 |", "round 3: customersvc/crudpeer ×2.50"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if median([]float64{4, 1}) != 2.5 || median(nil) != 0 {
		t.Error("median")
	}
}
