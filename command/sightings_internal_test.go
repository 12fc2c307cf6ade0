package command

import (
	"fmt"
	"testing"
	"time"
)

// TestSightingsMeasureOnOneClockAndStayBounded: a sighting's age is the
// handler's own time since it first saw that revision; the memory never
// exceeds maxSightings and forgets old sightings first.
func TestSightingsMeasureOnOneClockAndStayBounded(t *testing.T) {
	t.Parallel()
	var ss sightings
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := sighting{stream: "customer_vat-p-V", revision: 3}
	if got := ss.since(s, t0, time.Hour); got != 0 {
		t.Fatalf("first sighting aged %s", got)
	}
	if got := ss.since(s, t0.Add(time.Minute), time.Hour); got != time.Minute {
		t.Fatalf("second sighting aged %s, want 1m", got)
	}
	if got := ss.since(sighting{stream: s.stream, revision: 4}, t0.Add(time.Minute), time.Hour); got != 0 {
		t.Fatalf("another revision aged %s", got)
	}
	for i := range maxSightings {
		ss.since(sighting{stream: fmt.Sprint(i)}, t0.Add(2*time.Hour), time.Hour)
	}
	if len(ss.seen) > maxSightings {
		t.Fatalf("%d sightings kept", len(ss.seen))
	}
	if _, ok := ss.seen[s]; ok {
		t.Fatal("an old sighting survived a full memory")
	}
	ss.forget(sighting{stream: "0"})
	if _, ok := ss.seen[sighting{stream: "0"}]; ok {
		t.Fatal("forget kept it")
	}
}
