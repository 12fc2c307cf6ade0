package rebuild

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/query/readmodel"
)

// ErrRunning says a rebuild is running already; one runs at a time.
var ErrRunning = errors.New("a rebuild is already running")

// ErrUnknownProjection says no projection has that name.
var ErrUnknownProjection = errors.New("no such projection")

// Manager is what operators run on the projections of a serving instance:
// their status, and a rebuild of one from the log into a fresh copy of the
// data directory's live read model, switched over while it serves. It is
// safe for concurrent use.
type Manager struct {
	store eventstore.Store
	live  *readmodel.Swappable
	dir   string
	cfg   Config

	running sync.Mutex // one rebuild at a time
}

// NewManager returns the manager of live, the read model of the data
// directory dir, rebuilt from store.
func NewManager(store eventstore.Store, live *readmodel.Swappable, dir string, cfg Config) (*Manager, error) {
	if store == nil || live == nil || dir == "" {
		return nil, errors.New("rebuild: nil event store or read model, or no data directory")
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Manager{store: store, live: live, dir: dir, cfg: cfg}, nil
}

// Status reports each projection's checkpoint against the log's head.
func (m *Manager) Status(ctx context.Context) ([]projections.ProjectionStatus, error) {
	return projections.Status(ctx, m.store, m.live)
}

// Rebuild rebuilds the named projection: it runs a Rebuilder into the data
// directory's next read-model file, switches over to it, and removes the
// old file. started, if not nil, is called once the rebuild is accepted
// (the projection exists and no other rebuild runs); progress, if not nil,
// is called after it, on Rebuild's goroutine. When ctx ends first, the
// copy keeps what it has read and the next Rebuild goes on from there.
func (m *Manager) Rebuild(ctx context.Context, name string, started func(), progress func(Progress)) error {
	if name != projections.CustomersProjection {
		return fmt.Errorf("%w: %q", ErrUnknownProjection, name)
	}
	if !m.running.TryLock() {
		return ErrRunning
	}
	defer m.running.Unlock()
	if started != nil {
		started()
	}
	r, err := NewRebuilder(m.store, m.cfg)
	if err != nil {
		return err
	}
	path, err := readmodel.NextPath(m.dir)
	if err != nil {
		return err
	}
	m.cfg.Logger.Info("rebuild: started", "projection", name, "copy", path)
	if err := r.Run(ctx, path, progress); err != nil {
		return err
	}
	old, err := r.SwitchOver(ctx, m.live, m.dir, path)
	if err != nil {
		return err
	}
	m.cfg.Logger.Info("rebuild: switched over", "projection", name, "live", path, "previous", old)
	return readmodel.RemoveFile(old)
}
