package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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

// apply runs one request inside the batch. A refused request is an answer
// in the reply; the error is for failures that must abort the whole batch.
func (b *batchTx) apply(req *appendRequest) (appendReply, error) {
	if len(req.parts) > 1 {
		return b.applyAll(req.parts)
	}
	o, err := b.applyPart(req.parts[0])
	if err != nil || o.err != nil {
		return appendReply{err: o.err}, err
	}
	return appendReply{results: []eventstore.WriteResult{o.result}}, nil
}

// outcome is how one stream's append ended: written, refused (err), or
// found to be a retry of an append already stored (retried holds what the
// refusal would have been, and result is the earlier append's).
type outcome struct {
	result  eventstore.WriteResult
	err     error
	retried error
}

// failed returns why the append's condition failed, even if it was a retry.
func (o outcome) failed() error {
	if o.err != nil {
		return o.err
	}
	return o.retried
}

// applyPart runs one stream's append. The error is for failures that must
// abort the whole batch.
func (b *batchTx) applyPart(p eventstore.StreamAppend) (outcome, error) {
	last, err := b.assumedLast(p)
	if err != nil {
		return outcome{}, err
	}
	if !p.Expected.Matches(uint64(max(last, 0)), last >= 0) {
		return b.retryOr(p, wrongExpectedVersion(p, last))
	}
	res, err := b.insert(p, last+1)
	if isUniqueViolation(err) {
		return b.conflict(p)
	}
	if err != nil {
		return outcome{}, err
	}
	b.last[p.Stream] = last + int64(len(p.Events))
	return outcome{result: res}, nil
}

// assumedLast returns the last revision of req's stream (-1: no events). A
// NoStream append to a stream this batch has not seen assumes -1 without
// asking: its insert at revision 0 fails if the stream exists, and conflict
// asks then. That is the common "create" append, and the lookup would be a
// third of its cost in the writer.
func (b *batchTx) assumedLast(p eventstore.StreamAppend) (int64, error) {
	if last, ok := b.last[p.Stream]; ok {
		return last, nil
	}
	if p.Expected.IsNoStream() {
		return -1, nil
	}
	return b.lastRevision(p.Stream)
}

// conflict answers an append whose insert hit a unique index: either its
// stream is not where the append assumed, or one of its event IDs is
// taken. Either way it may be a retry of an append that succeeded.
func (b *batchTx) conflict(p eventstore.StreamAppend) (outcome, error) {
	last, err := b.lastRevision(p.Stream)
	if err != nil {
		return outcome{}, err
	}
	if !p.Expected.Matches(uint64(max(last, 0)), last >= 0) {
		return b.retryOr(p, wrongExpectedVersion(p, last))
	}
	return b.retryOr(p, fmt.Errorf("append to %q: %w", p.Stream, ErrDuplicateEventID))
}

func wrongExpectedVersion(p eventstore.StreamAppend, last int64) error {
	return &eventstore.WrongExpectedVersionError{
		Stream: p.Stream, Expected: p.Expected, Current: uint64(max(last, 0)), Exists: last >= 0,
	}
}

// lastRevision asks the database for a stream's last revision.
func (b *batchTx) lastRevision(stream string) (int64, error) {
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

// insert writes p's events from revision first on. Several events go
// under a savepoint so that a failing one takes the earlier ones back out
// without touching the rest of the batch; a single INSERT is atomic alone.
func (b *batchTx) insert(p eventstore.StreamAppend, first int64) (eventstore.WriteResult, error) {
	multi := len(p.Events) > 1
	if multi {
		if _, err := b.w.conn.ExecContext(b.ctx, "SAVEPOINT append"); err != nil {
			return eventstore.WriteResult{}, fmt.Errorf("savepoint: %w", err)
		}
	}
	var pos int64
	for i, e := range p.Events {
		r, err := b.w.insert.ExecContext(b.ctx, e.ID[:], p.Stream, first+int64(i), e.Type, e.Data, e.Metadata, b.created)
		if err == nil {
			pos, err = r.LastInsertId()
		}
		if err != nil {
			if multi {
				if _, rbErr := b.w.conn.ExecContext(b.ctx, "ROLLBACK TO append; RELEASE append"); rbErr != nil {
					// No conflict to answer any more: the batch must not
					// commit half of this append.
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
	return writeResult(first+int64(len(p.Events))-1, pos), nil
}

// retryOr answers p with the result of an earlier run of the same append
// if there was one, and with refusal otherwise.
func (b *batchTx) retryOr(p eventstore.StreamAppend, refusal error) (outcome, error) {
	res, ok, err := b.original(p)
	if err != nil {
		return outcome{}, err
	}
	if ok {
		return outcome{result: res, retried: refusal}, nil
	}
	return outcome{err: refusal}, nil
}

// original reports whether all of p's event IDs are stored in p's stream,
// consecutively, starting where p's expected revision would have put them,
// and if so what that append returned.
func (b *batchTx) original(p eventstore.StreamAppend) (eventstore.WriteResult, bool, error) {
	var first, rev, pos int64
	for i, e := range p.Events {
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
		if stream != p.Stream || rev != first+int64(i) {
			return eventstore.WriteResult{}, false, nil
		}
	}
	return writeResult(rev, pos), startsWhereExpected(p.Expected, first), nil
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

func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

func writeResult(revision, position int64) eventstore.WriteResult {
	return eventstore.WriteResult{
		NextRevision: uint64(revision),
		Position:     eventstore.Position{Commit: uint64(position), Prepare: uint64(position)},
	}
}
