package readmodel

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The search index (see gramTerms) is written behind the rows, not with
// them, and yields to the projector (indexYield): every row carries a handle, a number no other row has held in this
// file, and the indexer adds the rows above the index's mark to the index
// in batches of its own, then moves the mark. The projector's transactions
// thus pay only for the handle; the index is written a thousand rows at a
// time, where a full-text index costs half as much per row as it does in
// the projector's small batches.
//
// A search reads the index and the rows above the mark in one statement,
// hence one snapshot: it is exact and complete however far the indexer is
// behind, and costs as much more as the rows it has not reached yet.
//
// A customer whose search text changes gets a new handle, so that the
// index's entry for the old text no longer leads to its row; the counts of
// the terms (customer_grams), which only choose which terms a search
// looks up, keep counting that entry.

// searchDDL is the index, the counts of its terms and its mark.
const searchDDL = `
CREATE VIRTUAL TABLE IF NOT EXISTS customer_search USING fts4(content="", grams);
CREATE TABLE IF NOT EXISTS customer_grams (
	gram      TEXT PRIMARY KEY,
	customers INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_progress (
	id              INTEGER PRIMARY KEY CHECK (id = 0),
	indexed_through INTEGER NOT NULL
);
`

const (
	// indexChunk is how many rows one indexing transaction adds at most,
	// under the default limit of the write-ahead log: some 1–2 MB of log.
	// Under a smaller limit a chunk is cut to a row per 4 KiB of it (at
	// least 64 rows): at under a kilobyte of log a row, a chunk then
	// writes at most a quarter of the limit.
	indexChunk = 2048
	// indexEvery is how often the indexer looks for rows the projector's
	// wake-ups did not bring it to (fewer than indexChunk/2 since).
	indexEvery = 200 * time.Millisecond
	// indexYield is how many times as long as a chunk took the indexer
	// leaves the writer to the projector when the projector wrote
	// meanwhile: the index takes at most a thirteenth of the writer's
	// time under a projector that never pauses (at about 35 ms a chunk,
	// some 4,500 rows a second, what the service creates at most on two
	// cores), and all of it when the projector is idle. Rows it has not
	// reached yet cost searches a lookup each, not correctness.
	indexYield = 12
	// countEvery is how many chunks' term counts the indexer writes at
	// once, at most.
	countEvery = 16
)

// addHandleColumn gives a customers table from before the search index its
// handle column.
func addHandleColumn(ctx context.Context, db Querier) error {
	var has bool
	err := db.QueryRowContext(ctx, `SELECT count(*) > 0 FROM pragma_table_info('customers') WHERE name = 'handle'`).Scan(&has)
	if err != nil {
		return fmt.Errorf("read customers' columns: %w", err)
	}
	if has {
		return nil
	}
	if _, err := db.ExecContext(ctx, `ALTER TABLE customers ADD COLUMN handle INTEGER`); err != nil {
		return fmt.Errorf("add customers.handle: %w", err)
	}
	return nil
}

// assignHandles numbers the rows without a handle after the highest one,
// in the order they were created: the rows of a bulk load, and of a file
// from before the search index.
//
// Numbers start above nextHandle's floor, never at or below the index's
// mark: a row numbered there would be neither in the index nor above the
// mark, where searches read the rows not indexed yet.
const assignHandles = `
UPDATE customers SET handle = numbered.handle
FROM (SELECT id, ` + handleFloor + `
		+ row_number() OVER (ORDER BY created_at, id) AS handle
	FROM customers WHERE handle IS NULL) AS numbered
WHERE customers.id = numbered.id`

// handleFloor is the highest number a new handle must be above: the
// highest any row holds, and the index's mark (rows that held the numbers
// up to it may have been renumbered since, their entries staying).
const handleFloor = `max((SELECT coalesce(max(handle), 0) FROM customers),
	(SELECT coalesce(max(indexed_through), 0) FROM search_progress))`

// handles are the search index's two positions the store keeps in memory
// to know when the indexer has work: the highest handle written and the
// index's mark.
func readHandles(ctx context.Context, db *sql.DB) (highest, indexed int64, err error) {
	err = db.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(handle), 0) FROM customers),
	(SELECT coalesce(max(indexed_through), 0) FROM search_progress)`).Scan(&highest, &indexed)
	if err != nil {
		return 0, 0, fmt.Errorf("read search index mark: %w", err)
	}
	return highest, indexed, nil
}

// startIndexer runs the indexer until Close.
func (s *Store) startIndexer() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopIndexer = cancel
	s.indexerDone = make(chan struct{})
	go func() {
		defer close(s.indexerDone)
		tick := time.NewTicker(indexEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.indexWake:
			case <-tick.C:
			}
			for ctx.Err() == nil && s.highest.Load() > s.indexed.Load() {
				if due, err := s.wal.Due(); err == nil && due {
					// The log is over its limit: truncate it as after the
					// projector's commits; while readers hold it, the
					// index waits for a later tick rather than grow it.
					_ = s.boundWAL(ctx)
					if due, err := s.wal.Due(); err == nil && due {
						break
					}
				}
				applies, start := s.applies.Load(), time.Now()
				if err := s.indexSome(ctx); err != nil {
					// The rows stay above the mark, where searches read
					// them; the next tick tries again. Said once, not at
					// every tick.
					if s.indexErr.Swap(&err) == nil && ctx.Err() == nil {
						s.log.Warn("read model: the search index is not kept up; searches read the rows it has not reached, and slow down as they grow",
							"path", s.path, "error", err)
					}
					break
				}
				if s.indexErr.Swap(nil) != nil {
					s.log.Info("read model: the search index is kept up again", "path", s.path)
				}
				_ = s.boundWAL(ctx) // as after the projector's commits
				if s.applies.Load() == applies {
					continue // the projector is idle: catch up
				}
				// The projector is writing: leave it the writer for
				// indexYield times as long as the chunk took.
				select {
				case <-ctx.Done():
				case <-time.After(indexYield * time.Since(start)):
				}
			}
		}
	}()
}

// wakeIndexer tells the indexer that rows up to handle highest are
// written, waking it when a chunk's worth is waiting.
func (s *Store) wakeIndexer(highest int64) {
	if highest <= s.highest.Load() {
		return
	}
	s.highest.Store(highest)
	if highest-s.indexed.Load() < s.indexChunk/2 {
		return
	}
	select {
	case s.indexWake <- struct{}{}:
	default:
	}
}

// indexSome adds up to s.indexChunk rows above the mark to the index, with
// their terms' counts, and moves the mark past them, in one transaction.
//
// The transaction commits without its own fsync: the next commit of the
// projector, which syncs the write-ahead log up to its own end, makes it
// durable too, and a crash before that loses only index entries that the
// mark, lost with them, sends the indexer back to. This spares the
// projector's disk one sync per chunk.
func (s *Store) indexSome(ctx context.Context) (err error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("index customers: %w", err)
	}
	defer func() {
		// The connection is the projector's too: it goes back to syncing
		// every commit, or is thrown away (the pool's next one syncs).
		if _, err := conn.ExecContext(context.Background(), `PRAGMA synchronous = FULL`); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
		return fmt.Errorf("index customers: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index customers: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(fmt.Errorf("index customers: %w", err), tx.Rollback())
		}
	}()
	var mark int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(indexed_through), 0) FROM search_progress`).Scan(&mark); err != nil {
		return err
	}
	type doc struct {
		handle int64
		text   string
	}
	var docs []doc
	rows, err := tx.QueryContext(ctx, `SELECT handle, search_text FROM customers WHERE handle > ? ORDER BY handle LIMIT ?`,
		mark, s.indexChunk)
	if err != nil {
		return err
	}
	for rows.Next() {
		var d doc
		if err := rows.Scan(&d.handle, &d.text); err != nil {
			return errors.Join(err, rows.Close())
		}
		docs = append(docs, d)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	if len(docs) == 0 {
		// Nothing above the mark: whatever the store took for the highest
		// handle is indexed.
		s.indexed.Store(max(mark, s.highest.Load()))
		return tx.Rollback()
	}
	insert, err := tx.PrepareContext(ctx, `INSERT INTO customer_search (docid, grams) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer insert.Close()
	counts := make(map[string]int64)
	for _, d := range docs {
		terms := gramTerms(d.text)
		for _, t := range terms {
			counts[t]++
		}
		if _, err := insert.ExecContext(ctx, d.handle, strings.Join(terms, " ")); err != nil {
			return err
		}
	}
	// The terms' counts only choose which terms a search looks up: they
	// are written every countEvery chunks, or once the indexer has caught
	// up, rather than with each chunk (a chunk's thousands of terms touch
	// pages all over their table). A crash loses the counts not written
	// yet; a term then looks rarer than it is, which costs a search time,
	// not matches.
	for t, n := range s.termDeltas {
		counts[t] += n
	}
	flush := s.chunksUncounted+1 >= countEvery || len(docs) < int(s.indexChunk)
	if flush {
		count, err := tx.PrepareContext(ctx, `INSERT INTO customer_grams (gram, customers) VALUES (?, ?)
ON CONFLICT(gram) DO UPDATE SET customers = customers + excluded.customers`)
		if err != nil {
			return err
		}
		defer count.Close()
		for _, t := range slices.Sorted(maps.Keys(counts)) {
			if _, err := count.ExecContext(ctx, t, counts[t]); err != nil {
				return err
			}
		}
	}
	mark = docs[len(docs)-1].handle
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_progress (id, indexed_through) VALUES (0, ?)
ON CONFLICT(id) DO UPDATE SET indexed_through = excluded.indexed_through`, mark); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.indexed.Store(mark)
	if flush {
		s.termDeltas, s.chunksUncounted = nil, 0
	} else {
		s.termDeltas, s.chunksUncounted = counts, s.chunksUncounted+1
	}
	return nil
}

// IndexErr is the last error the search indexer met, nil once it indexes
// again. Searches stay exact meanwhile, only slower.
func (s *Store) IndexErr() error {
	if p := s.indexErr.Load(); p != nil {
		return *p
	}
	return nil
}

// WaitIndexed waits until the search index holds every row written so far,
// or ctx ends. Tests and the benchmarks use it; searches never wait.
func (s *Store) WaitIndexed(ctx context.Context) error {
	for {
		highest, indexed, err := readHandles(ctx, s.read)
		if err != nil {
			return err
		}
		if indexed >= highest {
			return nil
		}
		select {
		case s.indexWake <- struct{}{}:
		default:
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
