package sqlite

import (
	"context"
	"fmt"

	"github.com/customersvc/customersvc/command/eventstore"
)

// Head returns the position of the last committed event.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	var head uint64
	if err := s.readDB.QueryRowContext(ctx, "SELECT coalesce(max(position), 0) FROM events").Scan(&head); err != nil {
		return eventstore.Start, fmt.Errorf("head of %s: %w", s.cfg.Path, err)
	}
	return eventstore.Position{Commit: head, Prepare: head}, nil
}
