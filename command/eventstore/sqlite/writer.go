package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/customersvc/customersvc/command/eventstore"
)

// writer owns the only write connection and its prepared statements. Only
// the writer goroutine uses it.
type writer struct {
	conn    *sql.Conn
	lastRev *sql.Stmt // a stream's last revision
	insert  *sql.Stmt // one event
	findID  *sql.Stmt // where an event ID is stored
}

func newWriter(ctx context.Context, db *sql.DB) (*writer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect writer: %w", err)
	}
	w := &writer{conn: conn}
	if err := migrate(ctx, conn); err != nil {
		return nil, errors.Join(err, w.close())
	}
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&w.lastRev, `SELECT max(revision) FROM events WHERE stream = ?`},
		{&w.insert, `INSERT INTO events (event_id, stream, revision, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)`},
		{&w.findID, `SELECT stream, revision, position FROM events WHERE event_id = ?`},
	} {
		if *p.stmt, err = conn.PrepareContext(ctx, p.query); err != nil {
			return nil, errors.Join(fmt.Errorf("prepare %q: %w", p.query, err), w.close())
		}
	}
	return w, nil
}

func (w *writer) close() error {
	var errs []error
	for _, stmt := range []*sql.Stmt{w.lastRev, w.insert, w.findID} {
		if stmt != nil {
			errs = append(errs, stmt.Close())
		}
	}
	return errors.Join(append(errs, w.conn.Close())...)
}

// runWriter is the writer goroutine: it takes a batch of waiting appends,
// commits it, answers it, and wakes followers, until Close.
func (s *Store) runWriter(w *writer) {
	defer close(s.done)
	defer w.close()
	batch := make([]*appendRequest, 0, s.cfg.MaxBatch)
	delay := time.NewTimer(time.Hour)
	delay.Stop()
	var recent batchSizes
	probeTicker := time.NewTicker(probeEvery)
	defer probeTicker.Stop()
	for {
		// While the file cannot take writes, try a small one now and then,
		// so that readiness comes back with the disk space even when no
		// append comes to find out.
		var probe <-chan time.Time
		if s.unwritable.Load() {
			probe = probeTicker.C
		}
		select {
		case req := <-s.requests:
			batch = append(batch, req)
		case <-probe:
			err := w.probe()
			s.noteWrite(err, err == nil)
			continue
		case <-s.closing:
			return
		}
		batch = s.form(batch, &recent, delay)
		wrote, err := w.commit(batch)
		s.noteWrite(err, wrote)
		if wrote {
			s.commits.broadcast()
		}
		if err == nil {
			// The batch is answered: a failure to bound the log is the
			// next batch's to report, if it lasts.
			_, _ = s.wal.Bound(context.Background(), w.conn)
		}
		clear(batch) // drop the answered requests for the garbage collector
		batch = batch[:0]
	}
}

// form completes a batch begun with one append: it adds the appends
// already waiting and, while recent batches were larger, waits up to
// CommitDelay for as many. A wait that ends at the delay resets recent to
// the size reached, so a caller left alone after a burst waits once, not
// for every remembered batch.
func (s *Store) form(batch []*appendRequest, recent *batchSizes, delay *time.Timer) []*appendRequest {
	batch = s.gather(batch)
	if goal := min(recent.max(), s.cfg.MaxBatch); goal > 1 && s.cfg.CommitDelay > 0 && len(batch) < goal {
		var timedOut bool
		batch, timedOut = s.await(batch, goal, delay)
		if timedOut {
			*recent = batchSizes{}
		}
	}
	recent.add(len(batch))
	return batch
}

// gather adds the appends already waiting, without waiting for more.
func (s *Store) gather(batch []*appendRequest) []*appendRequest {
	for len(batch) < s.cfg.MaxBatch {
		select {
		case req := <-s.requests:
			batch = append(batch, req)
		default:
			return batch
		}
	}
	return batch
}

// await adds the appends arriving within CommitDelay until the batch has
// goal appends or the store closes; timedOut reports that the delay ended
// it. It leaves timer stopped.
func (s *Store) await(batch []*appendRequest, goal int, timer *time.Timer) (_ []*appendRequest, timedOut bool) {
	timer.Reset(s.cfg.CommitDelay)
	defer timer.Stop()
	for len(batch) < goal {
		select {
		case req := <-s.requests:
			batch = append(batch, req)
		case <-timer.C:
			return batch, true
		case <-s.closing:
			return batch, false
		}
	}
	return batch, false
}

// batchSizes remembers the sizes of the last few batches. Their largest is
// how many callers append concurrently, as far as the writer can tell: a
// batch waits for that many, so that sixteen callers commit together as
// soon as the sixteenth arrives.
type batchSizes struct {
	sizes [8]int
	next  int
}

func (b *batchSizes) add(n int) {
	b.sizes[b.next] = n
	b.next = (b.next + 1) % len(b.sizes)
}

func (b *batchSizes) max() int {
	m := 0
	for _, n := range b.sizes {
		m = max(m, n)
	}
	return m
}

// probeEvery is how often a writer that cannot write tries again.
const probeEvery = time.Second

// noteWrite records whether the file took the last write: only a failure
// of the storage itself makes it unwritable, and only a commit that wrote
// pages (a batch of refused appends writes none) shows it writable again.
func (s *Store) noteWrite(err error, wrote bool) {
	switch {
	case err == nil && wrote:
		s.unwritable.Store(false)
	case errors.Is(err, eventstore.ErrUnavailable):
		s.unwritable.Store(true)
	}
}

// commit runs batch in one transaction and answers every append in it. It
// reports whether any append succeeded, and so whether followers may have
// something new, and the error that failed the whole batch, if one did.
func (w *writer) commit(batch []*appendRequest) (wrote bool, err error) {
	replies, wrote, err := w.run(batch)
	if err != nil && storageFailure(err) {
		err = fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	for i, req := range batch {
		if err != nil {
			req.reply <- appendReply{err: err}
			continue
		}
		req.reply <- replies[i]
	}
	return wrote, err
}

// probe writes the schema version again, unchanged: a commit of one page,
// which fails as an append would while the disk is full.
func (w *writer) probe() error {
	ctx := context.Background()
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return w.probeFailed(err)
	}
	if _, err := w.conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return w.probeFailed(errors.Join(err, w.rollback()))
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return w.probeFailed(errors.Join(err, w.rollback()))
	}
	return nil
}

func (w *writer) probeFailed(err error) error {
	if storageFailure(err) {
		return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	return err
}

// storageFailure reports whether err is the file system failing SQLite — a
// full disk, an I/O error, a file that cannot be opened or written — rather
// than something about the appends.
func storageFailure(err error) bool {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case sqlite3.ErrFull, sqlite3.ErrIoErr, sqlite3.ErrCantOpen, sqlite3.ErrReadonly:
		return true
	}
	return false
}

func (w *writer) run(batch []*appendRequest) (replies []appendReply, wrote bool, err error) {
	// The batch runs to its end whatever the callers' contexts say: they
	// were promised an answer once the writer took their append.
	ctx := context.Background()
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return nil, false, fmt.Errorf("append: begin batch: %w", err)
	}
	tx := &batchTx{w: w, ctx: ctx, created: time.Now().UnixNano(), last: make(map[string]int64, len(batch))}
	replies = make([]appendReply, len(batch))
	for i, req := range batch {
		if replies[i], err = tx.apply(req); err != nil {
			// Every append of the batch gets this error, so it names the
			// one that hit it.
			return nil, false, errors.Join(fmt.Errorf("batch aborted at %s: %w", describe(req.parts), err), w.rollback())
		}
		wrote = wrote || replies[i].err == nil
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, false, errors.Join(fmt.Errorf("append: commit batch: %w", err), w.rollback())
	}
	return replies, wrote, nil
}

// rollback ends a failed batch. Some errors (a full disk, I/O) make SQLite
// roll back by itself, and then there is nothing left to roll back.
func (w *writer) rollback() error {
	inTx := true
	_ = w.conn.Raw(func(dc any) error {
		if c, ok := dc.(*sqlite3.SQLiteConn); ok {
			inTx = !c.AutoCommit()
		}
		return nil
	})
	if !inTx {
		return nil
	}
	if _, err := w.conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		return fmt.Errorf("roll back batch: %w", err)
	}
	return nil
}
