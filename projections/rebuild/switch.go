package rebuild

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/customersvc/customersvc/projections"
	"github.com/customersvc/customersvc/query/readmodel"
)

// SwitchOver makes the copy at path, which Run has brought up to the log's
// head, the live read model of the data directory dir, while the service
// runs:
//
//  1. It pauses the live read model's writes and waits for the write in
//     flight. The projector's next batch then waits in ApplyEvents, and
//     its messages stay unacknowledged. The pause lasts as long as steps
//     2 to 4, typically well under a second, at most SwitchTimeout.
//  2. It runs the copy up to the head again: now that the live checkpoint
//     stands still, the copy passes every event the live read model holds.
//  3. It names the copy in dir's readmodel.current, so a restart opens it.
//  4. It swaps the copy in: reads in flight finish on the old file, which
//     is closed then; new reads and writes go to the copy.
//  5. It resumes writes: the waiting batch is saved into the copy, where
//     the events it repeats change nothing.
//
// It returns the old file's path; the caller may remove it with
// readmodel.RemoveFile. Should SwitchOver fail before step 3, for one when
// the copy was too far behind to catch up within SwitchTimeout, nothing
// has changed: Run again, then SwitchOver again.
func (r *Rebuilder) SwitchOver(ctx context.Context, live *readmodel.Swappable, dir, path string) (oldPath string, err error) {
	if live == nil {
		return "", errors.New("rebuild: nil live read model")
	}
	oldPath, err = live.Path()
	if err != nil {
		return "", fmt.Errorf("rebuild: switch over: %w", err)
	}
	if filepath.Clean(oldPath) == filepath.Clean(path) {
		return "", fmt.Errorf("rebuild: switch over: %s is the live read model already", path)
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.SwitchTimeout)
	defer cancel()
	resume, err := live.PauseWrites(ctx)
	if err != nil {
		return "", fmt.Errorf("rebuild: switch over: %w", err)
	}
	defer resume()
	if err := r.Run(ctx, path, nil); err != nil {
		return "", fmt.Errorf("rebuild: switch over: %w", err)
	}
	next, err := readmodel.Open(ctx, path)
	if err != nil {
		return "", fmt.Errorf("rebuild: switch over: %w", err)
	}
	if err := ensureAhead(ctx, live, next); err != nil {
		return "", errors.Join(err, next.Close())
	}
	if err := readmodel.SetCurrent(dir, path); err != nil {
		return "", errors.Join(fmt.Errorf("rebuild: switch over: %w", err), next.Close())
	}
	switch err := live.Swap(next); {
	case errors.Is(err, readmodel.ErrClosed):
		return "", fmt.Errorf("rebuild: switch over: the live read model closed meanwhile; %s opens at the next start: %w", path, err)
	case err != nil:
		// The copy serves; only closing the old file failed.
		r.cfg.Logger.Warn("rebuild: closing the old read model failed", "path", oldPath, "error", err)
	}
	r.cfg.Logger.Info("rebuild: switched over", "from", oldPath, "to", path)
	return oldPath, nil
}

// ensureAhead checks that the copy holds every event the live read model
// holds: its checkpoint is not behind.
func ensureAhead(ctx context.Context, live *readmodel.Swappable, next *readmodel.Store) error {
	want, err := live.Checkpoint(ctx, projections.CustomersProjection)
	if err != nil {
		return fmt.Errorf("rebuild: switch over: %w", err)
	}
	got, err := next.Checkpoint(ctx, projections.CustomersProjection)
	if err != nil {
		return fmt.Errorf("rebuild: switch over: %w", err)
	}
	if got < want {
		return fmt.Errorf("rebuild: switch over: the copy is at position %d, behind the live read model at %d", got, want)
	}
	return nil
}
