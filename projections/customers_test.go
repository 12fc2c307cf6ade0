package projections_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/query/readmodel"
)

// TestCustomersProjectorApply: a creation becomes a row with its stream
// revision and moves the checkpoint; the same event again changes nothing.
func TestCustomersProjectorApply(t *testing.T) {
	t.Parallel()
	rm, err := readmodel.Open(t.Context(), filepath.Join(t.TempDir(), "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	p, err := projections.NewCustomersProjector(rm, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go p.Run(ctx)

	e := created(7)
	for range 2 {
		if err := p.Apply(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	want := e.Event.(domain.CustomerCreated)
	got, err := rm.Customer(ctx, want.CustomerID)
	if err != nil || got.Name != want.Name || got.ParentOrganizationID != want.ParentOrganizationID || got.Version != 0 {
		t.Fatalf("row %+v, %v", got, err)
	}
	if applied, skipped := p.Stats(); applied != 1 || skipped != 1 {
		t.Errorf("applied %d, skipped %d; want 1 and 1", applied, skipped)
	}
	if cp, err := rm.Checkpoint(ctx, projections.CustomersProjection); err != nil || cp != e.GlobalPosition {
		t.Errorf("checkpoint %d (%v), want %d", cp, err, e.GlobalPosition)
	}
	if row := projections.CustomerRow(want, 3); row.Version != 3 || row.ID != want.CustomerID || row.UpdatedAt != want.CreatedAt {
		t.Errorf("CustomerRow %+v", row)
	}
}
