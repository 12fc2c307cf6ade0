// Package readmodel keeps the customers read model in SQLite: the table the
// query handlers read and the projections write. Writes of one batch and
// the projection's checkpoint commit in one transaction, with a full fsync,
// so an acknowledged event is never missing from the read model after a
// crash.
package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/customersvc/customersvc/internal/sqlitewal"
	"github.com/customersvc/customersvc/query"
)

// Store is the SQLite read model. It is safe for concurrent use: one
// writer connection, a pool of readers (WAL lets readers and the writer
// run together).
type Store struct {
	path  string
	write *sql.DB
	read  *sql.DB
	// upsert, selectRow and addCount are prepared once on the writer.
	upsert, selectRow, addCount *sql.Stmt
	// wal is the write-ahead log, which the writer keeps within its limit
	// after each commit; checkpointer copies it into the database in the
	// background, so that commits seldom pay for that.
	wal          *sqlitewal.Log
	checkpointer *sqlitewal.Checkpointer
	// The search indexer (searchindex.go): highest is the highest handle
	// written, indexed the index's mark; indexWake wakes the indexer.
	// applies counts ApplyEvents calls, so the indexer sees whether the
	// projector wrote while it indexed.
	highest, indexed, applies atomic.Int64
	indexChunk                int64 // rows a chunk of the indexer adds at most
	log                       *slog.Logger
	// termDeltas are the term counts of chunksUncounted indexed chunks,
	// not written yet; only the indexer's goroutine touches them.
	termDeltas      map[string]int64
	chunksUncounted int
	indexWake       chan struct{}
	indexErr        atomic.Pointer[error]
	stopIndexer     context.CancelFunc
	indexerDone     chan struct{}
}

// Option tunes Open.
type Option func(*options)

type options struct {
	walLimit int64
	logger   *slog.Logger
}

// WithLogger is where the store reports what goes wrong in the background
// (the search indexer) instead of slog.Default().
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithWALLimit keeps the write-ahead log under n bytes (plus one commit)
// instead of sqlitewal.DefaultLimit.
func WithWALLimit(n int64) Option { return func(o *options) { o.walLimit = n } }

// busyTimeout is how long a connection waits for a lock held elsewhere.
const busyTimeout = 5 * time.Second

var (
	_ query.ReadModel       = (*Store)(nil)
	_ query.ReadModelWriter = (*Store)(nil)
)

// Open opens (creating if needed) the read model in the file at path.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{logger: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	dsn := func(mode string, busy time.Duration) string {
		v := url.Values{}
		v.Set("_journal_mode", "WAL")
		v.Set("_synchronous", "FULL")
		v.Set("_busy_timeout", fmt.Sprint(busy.Milliseconds()))
		if mode != "ro" {
			// A writer's transactions take the write lock when they begin;
			// a reader's (one snapshot for a search, search.go) never do.
			v.Set("_txlock", "immediate")
		}
		v.Set("mode", mode)
		return "file:" + path + "?" + v.Encode()
	}
	write, err := sql.Open(sqlitewal.WriterDriver, dsn("rwc", busyTimeout))
	if err != nil {
		return nil, fmt.Errorf("open read model: %w", err)
	}
	write.SetMaxOpenConns(1)
	if err := CreateSchema(ctx, write); err != nil {
		write.Close()
		return nil, err
	}
	if err := countOnce(ctx, write); err != nil {
		write.Close()
		return nil, err
	}
	upsert, err := write.PrepareContext(ctx, upsertCustomer)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("prepare upsert: %w", err)
	}
	selectRow, err := write.PrepareContext(ctx, selectRow)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("prepare select: %w", err), upsert.Close(), write.Close())
	}
	addCount, err := write.PrepareContext(ctx, addCount)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("prepare count: %w", err), selectRow.Close(), upsert.Close(), write.Close())
	}
	read, err := sql.Open("sqlite3", dsn("ro", busyTimeout))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open read model: %w", err), addCount.Close(), selectRow.Close(), upsert.Close(), write.Close())
	}
	read.SetMaxOpenConns(2 * runtime.GOMAXPROCS(0))
	read.SetMaxIdleConns(2 * runtime.GOMAXPROCS(0))
	cp, err := sqlitewal.StartCheckpointer(dsn("rw", checkpointerWait), checkpointEvery)
	if err != nil {
		return nil, errors.Join(err, read.Close(), addCount.Close(), selectRow.Close(), upsert.Close(), write.Close())
	}
	highest, indexed, err := readHandles(ctx, write)
	if err != nil {
		return nil, errors.Join(err, cp.Stop(), read.Close(), addCount.Close(), selectRow.Close(), upsert.Close(), write.Close())
	}
	s := &Store{
		path: path, write: write, read: read, upsert: upsert, selectRow: selectRow, addCount: addCount,
		wal: sqlitewal.NewLog(path, o.walLimit, busyTimeout), checkpointer: cp,
		indexWake: make(chan struct{}, 1), indexChunk: indexChunk, log: o.logger,
	}
	if o.walLimit > 0 {
		s.indexChunk = min(indexChunk, max(64, o.walLimit/4096))
	}
	s.highest.Store(highest)
	s.indexed.Store(indexed)
	s.startIndexer()
	return s, nil
}

// The background checkpointer runs every checkpointEvery, and waits at most
// checkpointerWait for the writer when it truncates the log.
const (
	checkpointEvery  = time.Second
	checkpointerWait = 100 * time.Millisecond
)

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Ping reports whether the read model answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.read.PingContext(ctx)
}

// Close closes the database.
func (s *Store) Close() error {
	s.stopIndexer()
	<-s.indexerDone
	return errors.Join(s.checkpointer.Stop(), s.read.Close(), s.addCount.Close(), s.selectRow.Close(), s.upsert.Close(), s.write.Close())
}
