package rebuild

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
)

// ErrRunning says a rebuild is running already; one runs at a time.
var ErrRunning = errors.New("a rebuild is already running")

// ErrUnknownProjection says no projection has that name.
var ErrUnknownProjection = errors.New("no such projection")

// Manager is what operators run on the projections of a serving instance:
// their status, and a rebuild of one from the log into a fresh copy of the
// live read model, switched over while it serves: the SQLite files of a
// data directory (NewManager) or a read model the replicas share
// (NewSharedManager). It is safe for concurrent use.
type Manager struct {
	store eventstore.Store
	live  query.ReadModelWriter
	// switchOver rebuilds into a copy of live and switches over to it.
	switchOver func(ctx context.Context, r *Rebuilder, progress func(Progress)) error
	cfg        Config

	running sync.Mutex // one rebuild at a time
}

// NewManager returns the manager of live, the read model of the data
// directory dir, rebuilt from store.
func NewManager(store eventstore.Store, live *readmodel.Swappable, dir string, cfg Config) (*Manager, error) {
	if store == nil || live == nil || dir == "" {
		return nil, errors.New("rebuild: nil event store or read model, or no data directory")
	}
	m, err := newManager(store, live, cfg)
	if err != nil {
		return nil, err
	}
	m.switchOver = func(ctx context.Context, r *Rebuilder, progress func(Progress)) error {
		return rebuildFiles(ctx, r, live, dir, progress)
	}
	return m, nil
}

// NewSharedManager returns the manager of live, a read model the replicas
// share, rebuilt from store. Rebuilds run one at a time across replicas.
func NewSharedManager(store eventstore.Store, live SharedReadModel, cfg Config) (*Manager, error) {
	if store == nil || live == nil {
		return nil, errors.New("rebuild: nil event store or read model")
	}
	m, err := newManager(store, live, cfg)
	if err != nil {
		return nil, err
	}
	m.switchOver = func(ctx context.Context, r *Rebuilder, progress func(Progress)) error {
		return r.RebuildShared(ctx, live, progress)
	}
	return m, nil
}

func newManager(store eventstore.Store, live query.ReadModelWriter, cfg Config) (*Manager, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Manager{store: store, live: live, cfg: cfg}, nil
}

// Status reports each projection's checkpoint against the log's head.
func (m *Manager) Status(ctx context.Context) ([]projections.ProjectionStatus, error) {
	return projections.Status(ctx, m.store, m.live)
}

// Rebuild rebuilds the named projection into a fresh copy and switches
// over to it. started, if not nil, is called once the rebuild is accepted
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
	m.cfg.Logger.Info("rebuild: started", "projection", name)
	return m.switchOver(ctx, r, progress)
}

// rebuildFiles runs a Rebuilder into the data directory's next read-model
// file, switches over to it, and removes the old file.
func rebuildFiles(ctx context.Context, r *Rebuilder, live *readmodel.Swappable, dir string, progress func(Progress)) error {
	path, err := readmodel.NextPath(dir)
	if err != nil {
		return err
	}
	r.cfg.Logger.Info("rebuild: loading", "copy", path)
	if err := r.Run(ctx, path, progress); err != nil {
		return err
	}
	old, err := r.SwitchOver(ctx, live, dir, path)
	if err != nil {
		return err
	}
	r.cfg.Logger.Info("rebuild: switched over", "live", path, "previous", old)
	return readmodel.RemoveFile(old)
}
