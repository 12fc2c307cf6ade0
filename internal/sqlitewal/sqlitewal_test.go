package sqlitewal_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/customersvc/customersvc/internal/sqlitewal"
)

// openWriter opens a database the way the stores do: the writer's
// connection without automatic checkpoints, and a pool for readers.
func openWriter(t *testing.T) (path string, writer *sql.Conn, readers *sql.DB) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "test.db")
	db, err := sql.Open(sqlitewal.WriterDriver, path+"?_journal_mode=WAL&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	writer, err = db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { writer.Close() })
	if _, err := writer.ExecContext(t.Context(), "CREATE TABLE t (v TEXT)"); err != nil {
		t.Fatal(err)
	}
	readers, err = sql.Open("sqlite3", path+"?_journal_mode=WAL&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { readers.Close() })
	return path, writer, readers
}

func write(t *testing.T, conn *sql.Conn, n int) {
	t.Helper()
	for range n {
		if _, err := conn.ExecContext(t.Context(), "INSERT INTO t VALUES (?)", strings.Repeat("x", 4000)); err != nil {
			t.Fatal(err)
		}
	}
}

func walSize(t *testing.T, path string) int64 {
	t.Helper()
	n, err := sqlitewal.Size(path)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBoundTruncatesPastTheLimit: under the limit Bound leaves the log
// alone; past it, it empties it.
func TestBoundTruncatesPastTheLimit(t *testing.T) {
	t.Parallel()
	path, w, _ := openWriter(t)
	log := sqlitewal.NewLog(path, 256<<10, 5*time.Second)
	write(t, w, 10)
	if truncated, err := log.Bound(t.Context(), w); err != nil || truncated {
		t.Fatalf("under the limit (%d bytes): truncated %v, %v", walSize(t, path), truncated, err)
	}
	write(t, w, 100)
	if truncated, err := log.Bound(t.Context(), w); err != nil || !truncated {
		t.Fatalf("past the limit: truncated %v, %v", truncated, err)
	}
	if n := walSize(t, path); n != 0 {
		t.Fatalf("log of %d bytes after truncation", n)
	}
}

// TestBoundGivesUpOnALongReader: a reader that keeps its snapshot makes
// Bound give up after a short wait without an error, and not try again
// until the log has grown by an eighth of the limit; once the reader is
// gone it truncates.
func TestBoundGivesUpOnALongReader(t *testing.T) {
	t.Parallel()
	path, w, readers := openWriter(t)
	const limit = 256 << 10
	log := sqlitewal.NewLog(path, limit, 5*time.Second)
	write(t, w, 10)
	tx, err := readers.BeginTx(t.Context(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil { // takes the snapshot
		t.Fatal(err)
	}
	write(t, w, 100)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if truncated, err := log.Bound(ctx, w); err != nil || truncated {
		t.Fatalf("with a reader in the log: truncated %v, %v", truncated, err)
	}
	if due, err := log.Due(); err != nil || due {
		t.Fatalf("due again at once after giving up: %v, %v", due, err)
	}
	write(t, w, limit/8/4000+1)
	if due, err := log.Due(); err != nil || !due {
		t.Fatalf("not due after the log grew by an eighth of the limit: %v, %v", due, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if truncated, err := log.Bound(ctx, w); err != nil || !truncated {
		t.Fatalf("once the reader is gone: truncated %v, %v", truncated, err)
	}
	// The writer's own lock wait is back to what it was.
	var busy int
	if err := w.QueryRowContext(t.Context(), "PRAGMA busy_timeout").Scan(&busy); err != nil || busy != 5000 {
		t.Fatalf("busy_timeout %d after Bound, %v; want 5000", busy, err)
	}
}

// TestCheckpointerTruncatesWhenWritesPause: the background checkpointer
// empties the log once nothing is written, with nobody calling Bound.
func TestCheckpointerTruncatesWhenWritesPause(t *testing.T) {
	t.Parallel()
	path, w, _ := openWriter(t)
	cp, err := sqlitewal.StartCheckpointer(path+"?_journal_mode=WAL&_busy_timeout=100", 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	write(t, w, 50)
	if walSize(t, path) == 0 {
		t.Fatal("no log to truncate: the test tests nothing")
	}
	deadline := time.Now().Add(time.Minute)
	for walSize(t, path) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("log of %d bytes a minute after the writes paused", walSize(t, path))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cp.Stop(); err != nil {
		t.Fatal(err)
	}
}
