package query

import (
	"slices"
	"strings"
)

// BatchFold is what the events of one ApplyEvents batch make of the
// stored rows: the rule of ReadModelWriter, in one place for every
// adapter.
type BatchFold struct {
	Outcomes []Outcome // one per event, in the order of the events
	// Changed are the rows the batch changes, each once with all its
	// applied events folded in, in ID order (the order in which to lock or
	// write them, so that concurrent writers do not deadlock).
	Changed []Customer
	// Position is the highest log position of the events applied or
	// skipped; Moved says there was one, so the checkpoint is to be raised
	// to it. A gap moves nothing: its position is still to be applied.
	Position uint64
	Moved    bool
}

// FoldBatch applies events, in order, to the stored rows of their
// customers (an absent customer has none): an event is folded with Evolve
// onto the revision just before it (Applied), is ignored at or below the
// stored revision (Skipped), and is refused past it (Gap). Several events
// of one customer fold one after the other. stored is not modified.
func FoldBatch(events []CustomerEvent, stored map[string]Customer) BatchFold {
	fold := BatchFold{Outcomes: make([]Outcome, len(events))}
	current := make(map[string]Customer, len(events))
	for i, e := range events {
		c, ok := current[e.CustomerID]
		if !ok {
			if c, ok = stored[e.CustomerID]; !ok {
				c = Customer{ID: e.CustomerID, Version: -1}
			}
		}
		switch {
		case e.Revision <= c.Version:
			fold.Outcomes[i] = Skipped
		case e.Revision == c.Version+1:
			current[e.CustomerID] = Evolve(c, e.Event)
			fold.Outcomes[i] = Applied
		default:
			fold.Outcomes[i] = Gap
			continue
		}
		fold.Position, fold.Moved = max(fold.Position, e.Position), true
	}
	for _, c := range current {
		fold.Changed = append(fold.Changed, c)
	}
	slices.SortFunc(fold.Changed, func(a, b Customer) int { return strings.Compare(a.ID, b.ID) })
	return fold
}

// CustomerIDs are the distinct customers of events, in ID order.
func CustomerIDs(events []CustomerEvent) []string {
	ids := make([]string, 0, len(events))
	for _, e := range events {
		ids = append(ids, e.CustomerID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}
