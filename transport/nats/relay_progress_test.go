package nats_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/customersvc/customersvc/command/eventstore"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// TestProgressFileKeepsTheFormerFile: an upgrade resumes from the progress
// an older release saved as relay.checkpoint, rather than publishing the
// whole log again.
func TestProgressFileKeepsTheFormerFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old, err := natsx.NewProgressFile(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	at := eventstore.Position{Commit: 42, Prepare: 42}
	if err := old.Save(at); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, natsx.ProgressFileName), filepath.Join(dir, "relay.checkpoint")); err != nil {
		t.Fatal(err)
	}
	upgraded, err := natsx.NewProgressFile(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := upgraded.Load(); err != nil || got != at {
		t.Fatalf("resumes at %v (%v), want %v", got, err, at)
	}
	if _, err := os.Stat(filepath.Join(dir, "relay.checkpoint")); !os.IsNotExist(err) {
		t.Errorf("the former file is still there: %v", err)
	}
}
