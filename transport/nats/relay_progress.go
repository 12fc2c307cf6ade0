package nats

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/internal/durable"
)

// ProgressFileName is the relay's progress file in the data directory.
// Releases before it kept the same content under legacyProgressFileName.
const (
	ProgressFileName       = "relay.progress"
	legacyProgressFileName = "relay.checkpoint"
)

// ProgressFile keeps how far the relay has published in a small JSON file,
// replaced durably so a crash leaves the old or the new one.
//
// It also keeps a short history of positions, one sample per SampleEvery,
// and Load resumes from the position saved RepublishWindow before the last
// one. The relay therefore publishes the last window of events again after
// every restart: JetStream acknowledges a publish before it is on disk, so a
// machine crash can lose events it acknowledged, and the window re-sends
// them. Copies JetStream still has are dropped by their message IDs, as
// long as its duplicate window is longer than RepublishWindow.
type ProgressFile struct {
	path            string
	RepublishWindow time.Duration
	SampleEvery     time.Duration
	now             func() time.Time

	history []sample
}

type sample struct {
	At       time.Time           `json:"at"`
	Position eventstore.Position `json:"position"`
}

type progressFile struct {
	Position eventstore.Position `json:"position"`
	History  []sample            `json:"history"`
}

// NewProgressFile keeps the relay's progress in dataDir and re-publishes
// window. A progress file left under its former name is renamed.
func NewProgressFile(dataDir string, window time.Duration) (*ProgressFile, error) {
	path := filepath.Join(dataDir, ProgressFileName)
	legacy := filepath.Join(dataDir, legacyProgressFileName)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(legacy, path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("relay progress: %w", err)
		}
	}
	return &ProgressFile{path: path, RepublishWindow: window, SampleEvery: 5 * time.Second, now: time.Now}, nil
}

// Load returns where the relay resumes: the newest sample at least
// RepublishWindow older than the last save, or Start when the relay has not
// run that long (then everything is within the window).
func (f *ProgressFile) Load() (eventstore.Position, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return eventstore.Start, nil
	}
	if err != nil {
		return eventstore.Start, err
	}
	var c progressFile
	if err := json.Unmarshal(b, &c); err != nil {
		return eventstore.Start, fmt.Errorf("relay progress %s: %w", f.path, err)
	}
	f.history = c.History
	if len(c.History) == 0 || f.RepublishWindow <= 0 {
		return c.Position, nil
	}
	last := c.History[len(c.History)-1].At
	resume := eventstore.Start
	for _, s := range c.History {
		if last.Sub(s.At) >= f.RepublishWindow {
			resume = s.Position
		}
	}
	return resume, nil
}

// Save stores p as the latest position.
func (f *ProgressFile) Save(p eventstore.Position) error {
	now := f.now().UTC()
	if n := len(f.history); n == 0 || now.Sub(f.history[n-1].At) >= f.SampleEvery {
		f.history = append(f.history, sample{At: now, Position: p})
	} else {
		f.history[n-1] = sample{At: f.history[n-1].At, Position: p}
	}
	f.prune(now)
	b, err := json.Marshal(progressFile{Position: p, History: f.history})
	if err != nil {
		return err
	}
	return durable.WriteFile(f.path, b, 0o600)
}

// prune drops samples no longer needed: it keeps the newest one that is at
// least a window old, and everything after it.
func (f *ProgressFile) prune(now time.Time) {
	keepFrom := 0
	for i, s := range f.history {
		if now.Sub(s.At) >= f.RepublishWindow {
			keepFrom = i
		}
	}
	f.history = append([]sample(nil), f.history[keepFrom:]...)
}
