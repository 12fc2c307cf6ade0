package projections

import (
	"context"
	"fmt"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/query"
)

// ProjectionStatus is how far a projection has come. Positions are the
// event store log's: the log holds other streams' events too, so Lag
// counts log positions the projection has not passed, an upper bound of
// the events it has still to apply.
type ProjectionStatus struct {
	Name       string `json:"name"`
	Checkpoint uint64 `json:"checkpoint"` // the projection's saved log position
	Head       uint64 `json:"head"`       // the position of the log's last event
	Lag        uint64 `json:"lag"`        // Head - Checkpoint, 0 when caught up
}

// Projections names the projections that keep a checkpoint in the read
// model.
var Projections = []string{CustomersProjection}

// Status reports each of Projections as readModel has it. The head is
// read after the checkpoints, so a busy log shows a lag rather than a
// checkpoint past the head.
func Status(ctx context.Context, store eventstore.Store, readModel query.ReadModelWriter) ([]ProjectionStatus, error) {
	statuses := make([]ProjectionStatus, len(Projections))
	for i, name := range Projections {
		checkpoint, err := readModel.Checkpoint(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("projection %s: %w", name, err)
		}
		statuses[i] = ProjectionStatus{Name: name, Checkpoint: checkpoint}
	}
	head, err := store.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("projection status: %w", err)
	}
	for i := range statuses {
		statuses[i].Head = head.Commit
		if head.Commit > statuses[i].Checkpoint {
			statuses[i].Lag = head.Commit - statuses[i].Checkpoint
		}
	}
	return statuses, nil
}
