package app

import (
	"context"
	"fmt"

	"github.com/customersvc/customersvc/command/eventstore/sqlite"
	"github.com/customersvc/customersvc/query/readmodel"
)

// openStores opens the event store and the read model.
func (s *Service) openStores(ctx context.Context) error {
	store, err := sqlite.Open(ctx, sqlite.Config{Path: s.path("events.db")})
	if err != nil {
		return fmt.Errorf("event store: %w", err)
	}
	s.store = store
	s.onClose(store.Close)

	rm, err := readmodel.Open(ctx, s.path("readmodel.db"))
	if err != nil {
		return fmt.Errorf("read model: %w", err)
	}
	s.readModel = rm
	s.onClose(rm.Close)
	return nil
}
