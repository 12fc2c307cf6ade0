package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/internal/sqlitewal"
)

var _ eventstore.Store = (*Store)(nil)

// ErrClosed is returned by calls on a closed Store.
var ErrClosed = errors.New("sqlite event store: closed")

// Store is an eventstore.Store in a SQLite file. It is safe for concurrent
// use; see the package comment for its guarantees.
type Store struct {
	cfg     Config
	writeDB *sql.DB // one connection, owned by the writer goroutine
	readDB  *sql.DB // pool for ReadStream and Follow; WAL keeps it off the writer's path

	requests chan *appendRequest // unbuffered: a send succeeds only once the writer takes it
	closing  chan struct{}       // closed by Close
	done     chan struct{}       // closed when the writer has stopped
	commits  *notifier           // broadcast after each commit that wrote events
	// unwritable is set while the file cannot take writes (a full disk, an
	// I/O error): Ping reports it, and the writer probes until it clears.
	unwritable atomic.Bool

	// wal is the write-ahead log, which the writer keeps within its limit
	// after each commit; checkpointer copies it into the database in the
	// background, so that commits seldom pay for that.
	wal          *sqlitewal.Log
	checkpointer *sqlitewal.Checkpointer

	closeOnce sync.Once
	closeErr  error
}

// Open opens or creates the database at cfg.Path and starts the writer.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// Opening the writer first sets WAL mode before readers connect.
	writeDB, err := sql.Open(sqlitewal.WriterDriver, cfg.dsn(true))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg.Path, err)
	}
	writeDB.SetMaxOpenConns(1)
	w, err := newWriter(ctx, writeDB)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open %s: %w", cfg.Path, err), writeDB.Close())
	}
	readDB, err := sql.Open("sqlite3", cfg.dsn(false))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open %s for reading: %w", cfg.Path, err), w.close(), writeDB.Close())
	}
	readDB.SetMaxOpenConns(cfg.ReadConns)
	readDB.SetMaxIdleConns(cfg.ReadConns)
	cp, err := sqlitewal.StartCheckpointer(cfg.dsnWaiting(true, checkpointerWait), checkpointEvery)
	if err != nil {
		return nil, errors.Join(err, readDB.Close(), w.close(), writeDB.Close())
	}

	s := &Store{
		cfg:      cfg,
		writeDB:  writeDB,
		readDB:   readDB,
		requests: make(chan *appendRequest),
		closing:  make(chan struct{}),
		done:     make(chan struct{}),
		commits:  newNotifier(),

		wal:          sqlitewal.NewLog(cfg.Path, cfg.WALLimit, cfg.BusyTimeout),
		checkpointer: cp,
	}
	go s.runWriter(w)
	return s, nil
}

// The background checkpointer runs every checkpointEvery, and waits at most
// checkpointerWait for the writer when it truncates the log.
const (
	checkpointEvery  = time.Second
	checkpointerWait = 100 * time.Millisecond
)

// Ping checks that the writer runs, the file can be read, and the last
// write did not fail for the storage.
func (s *Store) Ping(ctx context.Context) error {
	select {
	case <-s.closing:
		return ErrClosed
	default:
	}
	if s.unwritable.Load() {
		return fmt.Errorf("%s: %w: the last write failed for the storage (full disk or I/O error)", s.cfg.Path, eventstore.ErrUnavailable)
	}
	if err := s.readDB.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.cfg.Path, err)
	}
	var one int
	if err := s.readDB.QueryRowContext(ctx, "SELECT 1 FROM events LIMIT 1").Scan(&one); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("ping %s: %w", s.cfg.Path, err)
	}
	return nil
}

// Close stops taking appends, lets the batch in flight commit and answer,
// stops the writer and closes the database. Follow calls return ErrClosed.
// Close is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		<-s.done
		s.closeErr = errors.Join(s.readDB.Close(), s.checkpointer.Stop(), s.writeDB.Close())
	})
	return s.closeErr
}
