package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/esdb"

	"github.com/customersvc/customersvc/command/eventstore/sqlite"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
	"github.com/customersvc/customersvc/query/readmodel/postgres"
)

// openStores opens the event store (EventStoreDB when EVENTSTORE_URL is
// set, else SQLite in DATA_DIR) and the read model.
func (s *Service) openStores(ctx context.Context) error {
	store, err := s.openEventStore(ctx)
	if err != nil {
		return fmt.Errorf("event store: %w", err)
	}
	s.store = store
	s.onClose(store.Close)

	rm, err := s.openReadModel(ctx)
	if err != nil {
		return err
	}
	s.readModel = rm
	s.onClose(rm.Close)
	return nil
}

// readModel is what the service needs of a read model: the queries read
// it, the projector writes it, /readyz pings it.
type readModel interface {
	query.ReadModel
	query.ReadModelWriter
	Ping(ctx context.Context) error
	Close() error
}

// openReadModel opens the PostgreSQL read model READMODEL_URL names,
// shared by the replicas, or else the one in DATA_DIR.
func (s *Service) openReadModel(ctx context.Context) (readModel, error) {
	if s.cfg.ReadModelURL != "" {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		store, err := postgres.Open(ctx, s.cfg.ReadModelURL)
		if err != nil {
			return nil, fmt.Errorf("READMODEL_URL: %w", err)
		}
		return store, nil
	}
	rm, err := readmodel.OpenCurrent(ctx, s.cfg.DataDir, readmodel.WithLogger(s.logger))
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	swappable, err := readmodel.NewSwappable(rm)
	if err != nil {
		return nil, errors.Join(err, rm.Close())
	}
	s.localModel = swappable
	return swappable, nil
}

func (s *Service) openEventStore(ctx context.Context) (eventstore.Store, error) {
	if s.cfg.EventStoreURL == "" {
		return sqlite.Open(ctx, sqlite.Config{Path: s.path("events.db")})
	}
	store, err := esdb.Open(ctx, esdb.Config{URL: s.cfg.EventStoreURL, Logger: s.logger})
	if err != nil {
		return nil, err
	}
	// Wait for the server until the start-up deadline (a cold compose up
	// starts it with the service), then fail start-up rather than at the
	// first request. The client gives up on its own after about a second
	// of discovery; the store starts a new one on each attempt.
	err = s.retryStartup(ctx, "EVENTSTORE_URL", "EventStoreDB", func(ctx context.Context) error {
		err := store.Ping(ctx)
		if isAccessError(err) {
			return permanent(err)
		}
		return err
	})
	if err != nil {
		return nil, errors.Join(err, store.Close())
	}
	return store, nil
}

// isAccessError reports whether the server refused the credentials, which
// waiting does not change.
func isAccessError(err error) bool {
	e, ok := errors.AsType[*esdbclient.Error](err)
	return ok && (e.IsErrorCode(esdbclient.ErrorCodeUnauthenticated) || e.IsErrorCode(esdbclient.ErrorCodeAccessDenied))
}
