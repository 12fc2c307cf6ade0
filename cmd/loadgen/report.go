package main

import (
	"fmt"
	"io"
)

// printKinds prints a run's figures per kind of request and their total.
func printKinds(w io.Writer, r Result) {
	fmt.Fprintf(w, "\n%d clients, mix %s: %.0f requests/s\n\n", r.Concurrency, r.Mix, r.ThroughputPerSec)
	fmt.Fprintln(w, "| kind | requests | ok/s | p50 ms | p99 ms | max ms | errors |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---|")
	for _, k := range r.Kinds {
		fmt.Fprintf(w, "| %s | %d | %.0f | %.1f | %.1f | %.1f | %s |\n",
			k.Kind, k.Requests, k.OKPerSec, k.LatencyMs.P50, k.LatencyMs.P99, k.LatencyMs.Max, formatErrors(k.Errors))
	}
	t := r.Total
	fmt.Fprintf(w, "| **total** | %d | %.0f | %.1f | %.1f | %.1f | %s |\n",
		t.Requests, t.OKPerSec, t.LatencyMs.P50, t.LatencyMs.P99, t.LatencyMs.Max, formatErrors(t.Errors))
}
