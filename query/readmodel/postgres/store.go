// Package postgres keeps the customers read model in PostgreSQL, where
// several replicas of the service share it: each replica's projector
// applies the events JetStream hands it, in whatever order, and the rows
// still take every event of a customer once and in stream order (see
// ApplyEvents). The schema is the migrations in migrations/, applied by
// Open.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/customersvc/customersvc/query"
)

// Store is the PostgreSQL read model. It is safe for concurrent use, and
// any number of Stores, in any processes, may share one database.
type Store struct {
	pool  *pgxpool.Pool
	raced atomic.Int64 // batches run again after another writer inserted a customer first
	// For tests: how many searches read the trigram index's candidates
	// (readCandidates), how many pages by number started after the row
	// before them (rowBefore).
	candidateReads, rowBeforeReads atomic.Int64
}

var (
	_ query.ReadModel       = (*Store)(nil)
	_ query.ReadModelWriter = (*Store)(nil)
)

// defaultMaxConns is the pool's size unless the URL sets pool_max_conns.
const defaultMaxConns = 16

// Open connects to the database at url (postgres://user@host:port/db?…,
// with pgx's parameters such as pool_max_conns and connect_timeout),
// checks that it answers, and brings its schema up to date. Its errors are
// one line each, starting "read model:".
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default, the number of CPUs, is short: during a switch-over
		// the lock's transaction, the copy's lock and a projector's waiting
		// write hold three connections while readers and the copy's
		// catch-up need more.
		cfg.MaxConns = max(cfg.MaxConns, defaultMaxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	where := fmt.Sprintf("postgres at %s:%d database %s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("read model: %s: %w", where, connectError(err))
	}
	if err := migrateUp(ctx, cfg.ConnConfig); err != nil {
		pool.Close()
		return nil, fmt.Errorf("read model: %s: %w", where, err)
	}
	return &Store{pool: pool}, nil
}

// connectError is err, one line, asking whether the server is PostgreSQL
// at all when something answered the connection but not as PostgreSQL
// does (a NATS port, say, or an HTTP one that waits for a request line):
// pgx then reports a message it cannot read, or a timeout, which do not
// say that.
func connectError(err error) error {
	var pgErr *pgconn.PgError
	var netErr *net.OpError
	if errors.As(err, &pgErr) || errors.As(err, &netErr) && netErr.Op == "dial" {
		return oneLine(err)
	}
	return fmt.Errorf("not a PostgreSQL server? %w", oneLine(err))
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("read model: %w", err)
	}
	return nil
}

// Close closes the connections, waiting for those in use.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
