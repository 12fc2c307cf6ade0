// Package sqlitewal keeps the write-ahead log of a SQLite database within a
// size bound while a writer commits and readers query without pause.
//
// SQLite's own checkpoints are passive: they copy what no reader still
// needs from the log into the database, and the log starts again from its
// beginning only when a writer finds it wholly copied and no reader in it.
// Under continuous writes with overlapping readers that moment never comes,
// so the log grows for as long as the load lasts, and keeps its size after
// (SQLite reuses the file rather than shrinking it). Here:
//
//   - the writer's connection makes no checkpoints of its own (WriterDriver),
//     so commits never pay for one;
//   - a Checkpointer copies the log into the database in the background
//     (passive, so it never waits for anyone) and truncates the log once
//     the writes pause;
//   - the writer calls Log.Bound after each commit: once the log passes its
//     limit, the writer truncates it itself (TRUNCATE checkpoint), which
//     keeps new writes out until the readers still in the log have moved
//     to the database file. Readers that start meanwhile read the database
//     file and do not hold it up.
//
// So a log stays within its limit plus one commit, as long as no single
// read transaction lasts longer than the writer is willing to wait.
package sqlitewal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
)

// DefaultLimit is the size a write-ahead log is kept under unless told
// otherwise: 64 MiB.
const DefaultLimit = 64 << 20

// WriterDriver is SQLite with automatic checkpoints off, for the writer's
// connection: its commits only append to the log, and the Checkpointer and
// Log.Bound fold it into the database.
const WriterDriver = "sqlite3_wal_writer"

func init() {
	sql.Register(WriterDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec("PRAGMA wal_autocheckpoint = 0", nil)
			return err
		},
	})
}

// Path is the write-ahead log of the database file at dbPath.
func Path(dbPath string) string { return dbPath + "-wal" }

// Size returns the size of the write-ahead log of the database at dbPath:
// 0 when there is none.
func Size(dbPath string) (int64, error) {
	fi, err := os.Stat(Path(dbPath))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// boundWait is how long the writer waits for readers to leave the log when
// it truncates it. Longer would stall commits behind a slow reader; shorter
// gives up on readers that are about to finish.
const boundWait = 200 * time.Millisecond

// Log is the write-ahead log of one database, as its writer sees it.
type Log struct {
	dbPath string
	limit  int64
	// busyTimeout is the writer connection's usual lock wait, restored
	// after a truncation.
	busyTimeout time.Duration
	// retryAbove is the size past which a truncation that found readers in
	// the log is tried again: a long reader then costs the writer one wait
	// per further eighth of the limit, not one per commit.
	retryAbove atomic.Int64
}

// NewLog returns the log of the database at dbPath, kept under limit
// (DefaultLimit if limit is 0) by a writer whose connection waits
// busyTimeout for locks.
func NewLog(dbPath string, limit int64, busyTimeout time.Duration) *Log {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return &Log{dbPath: dbPath, limit: limit, busyTimeout: busyTimeout}
}

// Limit is the size the log is kept under.
func (l *Log) Limit() int64 { return l.limit }

// Bound truncates the log once it has passed its limit. conn must be the
// writer's connection, outside a transaction. It reports whether it
// truncated; readers that stay in the log longer than a short wait make it
// give up until the log has grown further, and that is not an error.
func (l *Log) Bound(ctx context.Context, conn Conn) (truncated bool, err error) {
	size, due, err := l.due()
	if err != nil || !due {
		return false, err
	}
	// Not cancelled halfway: the connection must get its own lock wait back.
	ctx = context.WithoutCancel(ctx)
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", boundWait.Milliseconds())); err != nil {
		return false, fmt.Errorf("write-ahead log: %w", err)
	}
	r, err := checkpointStats(ctx, conn, "TRUNCATE")
	_, restoreErr := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", l.busyTimeout.Milliseconds()))
	if err = errors.Join(err, restoreErr); err != nil {
		// A failing file (a full disk) is not tried again at every commit.
		l.retryAbove.Store(size + l.limit/8)
		return false, fmt.Errorf("write-ahead log: %w", err)
	}
	switch {
	case r.locked:
		// The background checkpointer is copying; try again after the
		// next commit, which costs nothing while it lasts.
		return false, nil
	case r.busy:
		l.retryAbove.Store(size + l.limit/8)
		return false, nil
	}
	l.retryAbove.Store(0)
	return true, nil
}

// Due reports whether Bound would truncate now: a writer that has to take
// its connection from a pool asks this first.
func (l *Log) Due() (bool, error) {
	_, due, err := l.due()
	return due, err
}

func (l *Log) due() (size int64, due bool, err error) {
	size, err = Size(l.dbPath)
	if err != nil {
		return 0, false, fmt.Errorf("write-ahead log size: %w", err)
	}
	if size <= l.limit {
		l.retryAbove.Store(0) // truncated by the checkpointer meanwhile
		return size, false, nil
	}
	return size, size > l.retryAbove.Load(), nil
}

// Conn is the writer's connection: a *sql.Conn, or a *sql.DB of one
// connection used by one goroutine.
type Conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	queryRower
}

// checkpointResult is what PRAGMA wal_checkpoint answers.
type checkpointResult struct {
	// locked: another connection was checkpointing, so this one did not
	// start. SQLite does not wait for that lock.
	locked bool
	// busy: it started but could not finish, for readers still in the
	// log or a writer, after waiting the connection's busy timeout.
	busy         bool
	logged       int64 // frames in the log
	checkpointed int64 // frames copied into the database
}

// done reports whether the checkpoint ran to its end.
func (r checkpointResult) done() bool { return !r.locked && !r.busy }

type queryRower interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func checkpointStats(ctx context.Context, conn queryRower, mode string) (checkpointResult, error) {
	var r checkpointResult
	var busy int
	err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &r.logged, &r.checkpointed)
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrBusy {
		return checkpointResult{locked: true}, nil
	}
	// Another connection's checkpoint holds the lock: SQLite answers
	// busy with -1 frames rather than an error.
	if err == nil && busy != 0 && r.logged == -1 {
		return checkpointResult{locked: true}, nil
	}
	r.busy = busy != 0
	return r, err
}

// Checkpointer copies a database's write-ahead log into the database in the
// background, and truncates the log when writes pause.
type Checkpointer struct {
	db   *sql.DB
	quit chan struct{}
	done chan struct{}
}

// StartCheckpointer checkpoints the database the DSN dsn opens (with the
// plain sqlite3 driver) every interval. The DSN should carry a short busy
// timeout: a truncation waits that long for the writer between commits.
func StartCheckpointer(dsn string, interval time.Duration) (*Checkpointer, error) {
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	c := &Checkpointer{db: db, quit: make(chan struct{}), done: make(chan struct{})}
	go c.run(interval)
	return c, nil
}

func (c *Checkpointer) run(interval time.Duration) {
	defer close(c.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	ctx := context.Background()
	var last checkpointResult
	for {
		select {
		case <-t.C:
		case <-c.quit:
			return
		}
		// A failed pass is tried again at the next tick.
		r, err := checkpointStats(ctx, c.db, "PASSIVE")
		if err != nil || !r.done() {
			continue
		}
		// Nothing written since the last pass and all of it copied: the
		// writes have paused, so give the disk back.
		if r.logged > 0 && r.logged == r.checkpointed && r.logged == last.logged {
			if t, err := checkpointStats(ctx, c.db, "TRUNCATE"); err == nil && t.done() {
				r = checkpointResult{}
			}
		}
		last = r
	}
}

// Stop stops the background checkpoints and truncates the log, if no other
// connection is still in it.
func (c *Checkpointer) Stop() error {
	close(c.quit)
	<-c.done
	_, err := checkpointStats(context.Background(), c.db, "TRUNCATE")
	return errors.Join(err, c.db.Close())
}
