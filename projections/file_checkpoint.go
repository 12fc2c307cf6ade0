package projections

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/customersvc/customersvc/command/eventstore"
)

// FileCheckpoint keeps a log position in a small JSON file, replaced
// atomically (write, sync, rename) so a crash leaves the old or the new one.
type FileCheckpoint struct {
	path string
}

// NewFileCheckpoint keeps the checkpoint at path.
func NewFileCheckpoint(path string) *FileCheckpoint { return &FileCheckpoint{path: path} }

// Load returns the saved position, or eventstore.Start when there is none.
func (f *FileCheckpoint) Load() (eventstore.Position, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return eventstore.Start, nil
	}
	if err != nil {
		return eventstore.Start, err
	}
	var p eventstore.Position
	if err := json.Unmarshal(b, &p); err != nil {
		return eventstore.Start, fmt.Errorf("checkpoint %s: %w", f.path, err)
	}
	return p, nil
}

// Save stores p.
func (f *FileCheckpoint) Save(p eventstore.Position) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".checkpoint-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.path)
}
