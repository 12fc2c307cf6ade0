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
// replaced durably so a crash leaves the old or the new one. It is the
// progress of a single instance; replicas share a ProgressKV instead.
type ProgressFile struct {
	path string
	progressHistory
}

// progressHistory is the relay's progress with a short history of
// positions, one sample per SampleEvery: Load resumes from the position
// saved RepublishWindow before the last one. The relay therefore publishes
// the last window of events again after every restart: JetStream
// acknowledges a publish before it is on disk, so a machine crash can lose
// events it acknowledged, and the window re-sends them. Copies JetStream
// still has are dropped by their message IDs, as long as its duplicate
// window is longer than RepublishWindow.
type progressHistory struct {
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

func newProgressHistory(window time.Duration) progressHistory {
	return progressHistory{RepublishWindow: window, SampleEvery: 5 * time.Second, now: time.Now}
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
	return &ProgressFile{path: path, progressHistory: newProgressHistory(window)}, nil
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
	p, err := f.resume(b)
	if err != nil {
		return eventstore.Start, fmt.Errorf("relay progress %s: %w", f.path, err)
	}
	return p, nil
}

// Save stores p as the latest position.
func (f *ProgressFile) Save(p eventstore.Position) error {
	b, err := f.record(p)
	if err != nil {
		return err
	}
	return durable.WriteFile(f.path, b, 0o600)
}

// resume reads a saved progress document and returns where to resume.
func (h *progressHistory) resume(doc []byte) (eventstore.Position, error) {
	var c progressFile
	if err := json.Unmarshal(doc, &c); err != nil {
		return eventstore.Start, err
	}
	h.history = c.History
	if len(c.History) == 0 || h.RepublishWindow <= 0 {
		return c.Position, nil
	}
	last := c.History[len(c.History)-1].At
	resume := eventstore.Start
	for _, s := range c.History {
		if last.Sub(s.At) >= h.RepublishWindow {
			resume = s.Position
		}
	}
	return resume, nil
}

// record adds p to the history and returns the document to save.
func (h *progressHistory) record(p eventstore.Position) ([]byte, error) {
	now := h.now().UTC()
	if n := len(h.history); n == 0 || now.Sub(h.history[n-1].At) >= h.SampleEvery {
		h.history = append(h.history, sample{At: now, Position: p})
	} else {
		h.history[n-1] = sample{At: h.history[n-1].At, Position: p}
	}
	h.prune(now)
	return json.Marshal(progressFile{Position: p, History: h.history})
}

// prune drops samples no longer needed: it keeps the newest one that is at
// least a window old, and everything after it.
func (h *progressHistory) prune(now time.Time) {
	keepFrom := 0
	for i, s := range h.history {
		if now.Sub(s.At) >= h.RepublishWindow {
			keepFrom = i
		}
	}
	h.history = append([]sample(nil), h.history[keepFrom:]...)
}
