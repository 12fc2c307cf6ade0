package readmodeltest

import (
	"errors"
	"slices"
	"testing"

	"github.com/customersvc/customersvc/query"
)

func runApply(t *testing.T, open func(t *testing.T) Store) {
	t.Run("creates", func(t *testing.T) { t.Parallel(); testCreates(t, open(t)) })
	t.Run("redeliverySkipped", func(t *testing.T) { t.Parallel(); testRedelivery(t, open(t)) })
	t.Run("gapRefusedThenApplied", func(t *testing.T) { t.Parallel(); testGap(t, open(t)) })
	t.Run("oneCustomerTwiceInABatch", func(t *testing.T) { t.Parallel(); testTwiceInBatch(t, open(t)) })
	t.Run("checkpointNotMovedByGap", func(t *testing.T) { t.Parallel(); testCheckpointGap(t, open(t)) })
	t.Run("checkpointNeverLowered", func(t *testing.T) { t.Parallel(); testCheckpointLowered(t, open(t)) })
	t.Run("emptyBatch", func(t *testing.T) { t.Parallel(); testEmptyBatch(t, open(t)) })
}

// apply applies events and fails unless the outcomes are want.
func apply(t *testing.T, s Store, events []query.CustomerEvent, want ...query.Outcome) {
	t.Helper()
	got, err := s.ApplyEvents(t.Context(), events, projection)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("outcomes %v, want %v", got, want)
	}
}

func repeat(o query.Outcome, n int) []query.Outcome {
	out := make([]query.Outcome, n)
	for i := range out {
		out[i] = o
	}
	return out
}

// mustCustomer fails unless the stored customer is want, field by field.
func mustCustomer(t *testing.T, s Store, want query.Customer) {
	t.Helper()
	got, err := s.Customer(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("customer %s: %v", want.ID, err)
	}
	if !Equal(got, want) {
		t.Fatalf("customer %s:\ngot  %+v\nwant %+v", want.ID, got, want)
	}
}

// mustAbsent fails unless there is no customer id.
func mustAbsent(t *testing.T, s Store, id string) {
	t.Helper()
	if c, err := s.Customer(t.Context(), id); !errors.Is(err, query.ErrNotFound) {
		t.Fatalf("customer %s: %+v, %v; want ErrNotFound", id, c, err)
	}
}

func mustCheckpoint(t *testing.T, s Store, want uint64) {
	t.Helper()
	if got, err := s.Checkpoint(t.Context(), projection); err != nil || got != want {
		t.Fatalf("checkpoint %d, %v; want %d", got, err, want)
	}
}

// Equal reports whether two customers are the same, timestamps to the
// nanosecond and in UTC, custom data byte for byte.
func Equal(a, b query.Customer) bool {
	return a.ID == b.ID && a.ParentOrganizationID == b.ParentOrganizationID && a.Name == b.Name &&
		a.Description == b.Description && string(a.CustomData) == string(b.CustomData) && a.VAT == b.VAT &&
		a.NormalizedVAT == b.NormalizedVAT && a.Branding == b.Branding && a.Version == b.Version &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) &&
		a.CreatedAt.Location() == b.CreatedAt.Location() && a.UpdatedAt.Location() == b.UpdatedAt.Location()
}

// testCreates: creations become rows exactly as Evolve builds them, and
// the checkpoint is the highest position.
func testCreates(t *testing.T, s Store) {
	mustCheckpoint(t, s, 0)
	cs := Customers(20, "Acme")
	// What the domain lets through: NUL in a description, custom data
	// that is not valid UTF-8, none at all.
	cs[1].Description = "nul\x00inside"
	cs[2].CustomData = []byte("{\"x\": \"\xff\xfe\"}")
	cs[3].CustomData, cs[3].Description = []byte{}, ""
	events := Events(cs, 100)
	slices.Reverse(events) // the checkpoint is the highest position, not the last
	apply(t, s, events, repeat(query.Applied, 20)...)
	for _, c := range cs {
		mustCustomer(t, s, c)
	}
	mustCheckpoint(t, s, 119)
	mustAbsent(t, s, "c-99999")
}

// testRedelivery: an event at or below the stored revision changes
// nothing, even when it says something else.
func testRedelivery(t *testing.T, s Store) {
	c := Customer(1, "First")
	apply(t, s, []query.CustomerEvent{Created(c, 0, 10)}, query.Applied)
	renamed := c
	renamed.Name, renamed.Version = "Renamed", 1
	apply(t, s, []query.CustomerEvent{Created(renamed, 1, 11)}, query.Applied)
	stale := c
	stale.Name = "Stale"
	apply(t, s, []query.CustomerEvent{Created(stale, 0, 10), Created(renamed, 1, 11)}, query.Skipped, query.Skipped)
	mustCustomer(t, s, renamed)
	mustCheckpoint(t, s, 11)
}

// testGap: an event whose predecessor is missing is refused while the
// rest of its batch commits, and applies once the predecessor is in.
func testGap(t *testing.T, s Store) {
	a, b := Customer(1, "A"), Customer(2, "B")
	a1 := a
	a1.Name, a1.Version = "A one", 1
	apply(t, s, []query.CustomerEvent{Created(a1, 1, 20), Created(b, 0, 21)}, query.Gap, query.Applied)
	mustAbsent(t, s, a.ID)
	mustCustomer(t, s, b)
	a2 := a
	a2.Name, a2.Version = "A two", 2
	apply(t, s, []query.CustomerEvent{Created(a2, 2, 22), Created(a, 0, 19)}, query.Gap, query.Applied)
	mustCustomer(t, s, a)
	apply(t, s, []query.CustomerEvent{Created(a2, 2, 22)}, query.Gap)
	apply(t, s, []query.CustomerEvent{Created(a1, 1, 20)}, query.Applied)
	mustCustomer(t, s, a1)
	apply(t, s, []query.CustomerEvent{Created(a2, 2, 22)}, query.Applied)
	mustCustomer(t, s, a2)
	mustCheckpoint(t, s, 22)
}

// testTwiceInBatch: the events of one customer in one batch fold one
// after the other, and a gap among them is refused alone.
func testTwiceInBatch(t *testing.T, s Store) {
	c := Customer(3, "C")
	revs := make([]query.Customer, 4)
	for i := range revs {
		revs[i] = c
		revs[i].Name, revs[i].Version = c.Name+string(rune('a'+i)), int64(i)
	}
	apply(t, s, []query.CustomerEvent{Created(revs[0], 0, 1), Created(revs[1], 1, 2), Created(revs[3], 3, 4), Created(revs[0], 0, 1)},
		query.Applied, query.Applied, query.Gap, query.Skipped)
	mustCustomer(t, s, revs[1])
	apply(t, s, []query.CustomerEvent{Created(revs[3], 3, 4), Created(revs[2], 2, 3), Created(revs[3], 3, 4)},
		query.Gap, query.Applied, query.Applied)
	mustCustomer(t, s, revs[3])
	mustCheckpoint(t, s, 4)
}

// testCheckpointGap: a refused event does not move the checkpoint, so a
// position not yet applied is never passed.
func testCheckpointGap(t *testing.T, s Store) {
	a, b := Customer(1, "A"), Customer(2, "B")
	apply(t, s, []query.CustomerEvent{Created(a, 0, 10)}, query.Applied)
	later := b
	later.Version = 1
	apply(t, s, []query.CustomerEvent{Created(later, 1, 50)}, query.Gap)
	mustCheckpoint(t, s, 10)
	apply(t, s, []query.CustomerEvent{Created(later, 1, 50), Created(b, 0, 20)}, query.Gap, query.Applied)
	mustCheckpoint(t, s, 20)
}

// testCheckpointLowered: a batch of earlier positions, redelivered or
// applied late, leaves the checkpoint where it is.
func testCheckpointLowered(t *testing.T, s Store) {
	cs := Customers(3, "Late")
	apply(t, s, []query.CustomerEvent{Created(cs[0], 0, 30)}, query.Applied)
	apply(t, s, []query.CustomerEvent{Created(cs[1], 0, 5), Created(cs[0], 0, 30)}, query.Applied, query.Skipped)
	mustCheckpoint(t, s, 30)
	apply(t, s, []query.CustomerEvent{Created(cs[2], 0, 7)}, query.Applied)
	mustCheckpoint(t, s, 30)
}

func testEmptyBatch(t *testing.T, s Store) {
	if got, err := s.ApplyEvents(t.Context(), nil, projection); err != nil || len(got) != 0 {
		t.Fatalf("empty batch: %v, %v", got, err)
	}
	mustCheckpoint(t, s, 0)
}
