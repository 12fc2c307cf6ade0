package rebuild

import (
	"context"
	"errors"
	"fmt"

	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
)

// SharedReadModel is a read model the replicas share, which is rebuilt
// into a copy beside its live tables and switched over in place, for every
// replica at once: query/readmodel/postgres.Store.
type SharedReadModel interface {
	query.ReadModelWriter
	// OpenCopy opens the copy for loading, as it was left; its error wraps
	// readmodel.ErrCopyInUse while another process loads it.
	OpenCopy(ctx context.Context) (readmodel.Copy, error)
	// SwitchToCopy keeps the live read model's writers waiting, calls
	// catchUp to bring the copy to the head of the log, and makes the copy
	// live, or changes nothing when it fails.
	SwitchToCopy(ctx context.Context, catchUp func(ctx context.Context) error) error
}

// sharedCopy is how the log names the copy of a shared read model.
const sharedCopy = "shared copy"

// RebuildShared rebuilds live's copy from the log while live serves, then
// switches over to it: writers of every replica wait, for at most
// SwitchTimeout, while the copy catches up with the events they committed
// meanwhile; readers go on. Interrupted, it keeps what the copy loaded,
// and the next RebuildShared goes on from there.
func (r *Rebuilder) RebuildShared(ctx context.Context, live SharedReadModel, progress func(Progress)) (err error) {
	if live == nil {
		return errors.New("rebuild: nil live read model")
	}
	c, err := live.OpenCopy(ctx)
	if errors.Is(err, readmodel.ErrCopyInUse) {
		return fmt.Errorf("%w: %w", ErrRunning, err)
	}
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	defer func() { err = errors.Join(err, c.Close()) }()
	if err := r.Load(ctx, c, sharedCopy, progress); err != nil {
		return err
	}
	switchCtx, cancel := context.WithTimeout(ctx, r.cfg.SwitchTimeout)
	defer cancel()
	catchUp := func(ctx context.Context) error { return r.Load(ctx, c, sharedCopy, nil) }
	if err := live.SwitchToCopy(switchCtx, catchUp); err != nil {
		return fmt.Errorf("rebuild: switch over: %w", err)
	}
	r.cfg.Logger.Info("rebuild: switched over", "to", sharedCopy)
	return nil
}
