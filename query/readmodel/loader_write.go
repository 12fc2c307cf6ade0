package readmodel

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"iter"

	"github.com/mattn/go-sqlite3"

	"github.com/customersvc/customersvc/query"
)

// Batch is customers to save and the log position the projection has
// reached with them.
type Batch struct {
	Customers []query.Customer
	Position  uint64
}

// LoadOptions tune Load.
type LoadOptions struct {
	// CommitEvery is how many customers a transaction holds at least
	// before it commits, at the end of a batch (default 10,000).
	CommitEvery int
	// Committed, if not nil, is told after each commit the checkpoint
	// saved and how many customers the commit wrote.
	Committed func(position uint64, customers int)
}

// rowsPerStatement is how many customers one bulk upsert writes: fewer
// statements to step through, within SQLite's limit on bound values.
const rowsPerStatement = 32

// Load saves the batches in order, as rows built from the log (a customer
// replaced only by a newer Version, the checkpoint kept at the highest
// position): the rows Store.ApplyEvents builds from the same events, but
// many batches to a transaction. It returns when batches ends, after committing the rest,
// or at the first error, rolling back the batches not yet committed. To
// interrupt a load, end the sequence.
func (l *Loader) Load(ctx context.Context, projection string, batches iter.Seq[Batch], opts LoadOptions) error {
	if opts.CommitEvery <= 0 {
		opts.CommitEvery = 10_000
	}
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", l.path, err)
	}
	defer conn.Close()
	// Bypassing database/sql saves converting and checking every value of
	// every row; the statements are the same.
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		w, err := newBulkWriter(sc)
		if err != nil {
			return err
		}
		return errors.Join(w.load(projection, batches, opts), w.close())
	})
	if err != nil {
		return fmt.Errorf("%s: %w", l.path, err)
	}
	return nil
}

// bulkWriter runs a load on the driver connection.
type bulkWriter struct {
	conn       *sqlite3.SQLiteConn
	many, one  driver.StmtExecContext // upserts of rowsPerStatement rows, and of one
	checkpoint driver.StmtExecContext
	stmts      []driver.Stmt
	args       []driver.NamedValue
}

func newBulkWriter(conn *sqlite3.SQLiteConn) (*bulkWriter, error) {
	w := &bulkWriter{conn: conn, args: make([]driver.NamedValue, rowsPerStatement*rowColumns)}
	for i := range w.args {
		w.args[i].Ordinal = i + 1
	}
	for _, p := range []struct {
		stmt  *driver.StmtExecContext
		query string
	}{
		{&w.many, upsertCustomers(rowsPerStatement)},
		{&w.one, upsertCustomer},
		{&w.checkpoint, saveCheckpoint},
	} {
		s, err := conn.Prepare(p.query)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("prepare: %w", err), w.close())
		}
		w.stmts = append(w.stmts, s)
		*p.stmt = s.(driver.StmtExecContext)
	}
	return w, nil
}

func (w *bulkWriter) close() error {
	var errs []error
	for _, s := range w.stmts {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// load runs batches into transactions; a transaction is open exactly when
// the connection is not in autocommit mode.
func (w *bulkWriter) load(projection string, batches iter.Seq[Batch], opts LoadOptions) (err error) {
	defer func() {
		// Some errors make SQLite roll back by itself.
		if err != nil && !w.conn.AutoCommit() {
			err = errors.Join(err, w.exec("ROLLBACK"))
		}
	}()
	pending, at := 0, uint64(0)
	for b := range batches {
		if w.conn.AutoCommit() {
			if err := w.exec("BEGIN IMMEDIATE"); err != nil {
				return err
			}
		}
		if err := w.put(b.Customers); err != nil {
			return err
		}
		pending, at = pending+len(b.Customers), max(at, b.Position)
		if pending < opts.CommitEvery {
			continue
		}
		if err := w.commit(projection, at, pending, opts); err != nil {
			return err
		}
		pending = 0
	}
	if w.conn.AutoCommit() {
		return nil
	}
	return w.commit(projection, at, pending, opts)
}

func (w *bulkWriter) commit(projection string, at uint64, customers int, opts LoadOptions) error {
	args := []driver.NamedValue{{Ordinal: 1, Value: projection}, {Ordinal: 2, Value: int64(at)}}
	if _, err := w.checkpoint.ExecContext(context.Background(), args); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if err := w.exec("COMMIT"); err != nil {
		return err
	}
	if opts.Committed != nil {
		opts.Committed(at, customers)
	}
	return nil
}

// put upserts customers, in order.
func (w *bulkWriter) put(customers []query.Customer) error {
	for len(customers) >= rowsPerStatement {
		if err := w.upsert(w.many, customers[:rowsPerStatement]); err != nil {
			return err
		}
		customers = customers[rowsPerStatement:]
	}
	for i := range customers {
		if err := w.upsert(w.one, customers[i:i+1]); err != nil {
			return err
		}
	}
	return nil
}

func (w *bulkWriter) upsert(stmt driver.StmtExecContext, customers []query.Customer) error {
	args := w.args[:len(customers)*rowColumns]
	for i, c := range customers {
		values := rowValues(c, nil)
		for j, v := range values {
			args[i*rowColumns+j].Value = v
		}
	}
	// A context that cannot end keeps the driver on its synchronous path.
	_, err := stmt.ExecContext(context.Background(), args)
	for i := range args {
		args[i].Value = nil // let the rows go
	}
	if err != nil {
		return fmt.Errorf("save customers from %s: %w", customers[0].ID, err)
	}
	return nil
}

func (w *bulkWriter) exec(stmt string) error {
	if _, err := w.conn.ExecContext(context.Background(), stmt, nil); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}
