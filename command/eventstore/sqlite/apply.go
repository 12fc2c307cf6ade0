package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/mattn/go-sqlite3"

	"github.com/customersvc/customersvc/command/eventstore"
)

// batchTx is one batch's transaction. last remembers each stream's last
// revision as this transaction sees it (-1: no events), so that appends to
// the same stream in one batch see each other without asking the database.
type batchTx struct {
	w       *writer
	ctx     context.Context
	created int64 // unix nanos, one clock reading for the whole batch
	last    map[string]int64
}

// apply runs one append inside the batch. A refused append is an answer in
// the reply; the error is for failures that must abort the whole batch.
func (b *batchTx) apply(req *appendRequest) (appendReply, error) {
	last, err := b.lastRevision(req.stream)
	if err != nil {
		return appendReply{}, err
	}
	if !req.expected.Matches(uint64(max(last, 0)), last >= 0) {
		return b.retryOr(req, &eventstore.WrongExpectedVersionError{
			Stream: req.stream, Expected: req.expected, Current: uint64(max(last, 0)), Exists: last >= 0,
		})
	}
	res, err := b.insert(req, last+1)
	if isDuplicateID(err) {
		return b.retryOr(req, fmt.Errorf("append to %q: %w", req.stream, ErrDuplicateEventID))
	}
	if err != nil {
		return appendReply{}, err
	}
	b.last[req.stream] = last + int64(len(req.events))
	return appendReply{result: res}, nil
}

func (b *batchTx) lastRevision(stream string) (int64, error) {
	if last, ok := b.last[stream]; ok {
		return last, nil
	}
	var rev sql.NullInt64
	if err := b.w.lastRev.QueryRowContext(b.ctx, stream).Scan(&rev); err != nil {
		return 0, fmt.Errorf("read last revision: %w", err)
	}
	last := int64(-1)
	if rev.Valid {
		last = rev.Int64
	}
	b.last[stream] = last
	return last, nil
}

// insert writes req's events from revision first on. Several events go
// under a savepoint so that a failing one takes the earlier ones back out
// without touching the rest of the batch; a single INSERT is atomic alone.
func (b *batchTx) insert(req *appendRequest, first int64) (eventstore.WriteResult, error) {
	multi := len(req.events) > 1
	if multi {
		if _, err := b.w.conn.ExecContext(b.ctx, "SAVEPOINT append"); err != nil {
			return eventstore.WriteResult{}, fmt.Errorf("savepoint: %w", err)
		}
	}
	var pos int64
	for i, e := range req.events {
		r, err := b.w.insert.ExecContext(b.ctx, e.ID[:], req.stream, first+int64(i), e.Type, e.Data, e.Metadata, b.created)
		if err == nil {
			pos, err = r.LastInsertId()
		}
		if err != nil {
			if multi {
				if _, rbErr := b.w.conn.ExecContext(b.ctx, "ROLLBACK TO append; RELEASE append"); rbErr != nil {
					// Not a duplicate any more: the batch must not commit
					// half of this append.
					return eventstore.WriteResult{}, fmt.Errorf("undo partial append: %w", rbErr)
				}
			}
			return eventstore.WriteResult{}, fmt.Errorf("insert event %s: %w", e.ID, err)
		}
	}
	if multi {
		if _, err := b.w.conn.ExecContext(b.ctx, "RELEASE append"); err != nil {
			return eventstore.WriteResult{}, fmt.Errorf("release savepoint: %w", err)
		}
	}
	return writeResult(first+int64(len(req.events))-1, pos), nil
}

// retryOr answers req with the result of an earlier run of the same append
// if there was one, and with refusal otherwise.
func (b *batchTx) retryOr(req *appendRequest, refusal error) (appendReply, error) {
	res, ok, err := b.original(req)
	if err != nil {
		return appendReply{}, err
	}
	if ok {
		return appendReply{result: res}, nil
	}
	return appendReply{err: refusal}, nil
}

// original reports whether all of req's event IDs are stored in req's
// stream, consecutively, starting where req's expected revision would have
// put them, and if so what that append returned.
func (b *batchTx) original(req *appendRequest) (eventstore.WriteResult, bool, error) {
	var first, rev, pos int64
	for i, e := range req.events {
		var stream string
		err := b.w.findID.QueryRowContext(b.ctx, e.ID[:]).Scan(&stream, &rev, &pos)
		if errors.Is(err, sql.ErrNoRows) {
			return eventstore.WriteResult{}, false, nil
		}
		if err != nil {
			return eventstore.WriteResult{}, false, fmt.Errorf("look up event %s: %w", e.ID, err)
		}
		if i == 0 {
			first = rev
		}
		if stream != req.stream || rev != first+int64(i) {
			return eventstore.WriteResult{}, false, nil
		}
	}
	return writeResult(rev, pos), startsWhereExpected(req.expected, first), nil
}

// startsWhereExpected reports whether an append under expected could have
// put its first event at revision first. Any and StreamExists fit anywhere.
func startsWhereExpected(expected eventstore.ExpectedRevision, first int64) bool {
	if expected.IsNoStream() {
		return first == 0
	}
	if rev, ok := expected.Revision(); ok {
		return uint64(first) == rev+1
	}
	return true
}

func isDuplicateID(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique &&
		strings.Contains(se.Error(), "events.event_id")
}

func writeResult(revision, position int64) eventstore.WriteResult {
	return eventstore.WriteResult{
		NextRevision: uint64(revision),
		Position:     eventstore.Position{Commit: uint64(position), Prepare: uint64(position)},
	}
}
