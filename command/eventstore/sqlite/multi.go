package sqlite

import (
	"fmt"

	"github.com/customersvc/customersvc/command/eventstore"
)

// applyAll runs the parts of an AppendMulti under one savepoint. Either all
// parts are written, or all turn out to be retries and the earlier results
// come back with nothing written. Anything else (a refused part, or retries
// mixed with new parts, which no retry of an atomic append produces) undoes
// the parts written so far and refuses the request with the first part
// whose condition failed, as MultiStreamAppender asks.
func (b *batchTx) applyAll(parts []eventstore.StreamAppend) (appendReply, error) {
	if _, err := b.w.conn.ExecContext(b.ctx, "SAVEPOINT multi"); err != nil {
		return appendReply{}, fmt.Errorf("savepoint: %w", err)
	}
	results := make([]eventstore.WriteResult, len(parts))
	var failure error
	retried := 0
	for i, p := range parts {
		o, err := b.applyPart(p)
		if err != nil {
			return appendReply{}, err
		}
		if failure == nil {
			failure = o.failed()
		}
		if o.err != nil {
			return appendReply{err: failure}, b.undo(parts)
		}
		if o.retried != nil {
			retried++
		}
		results[i] = o.result
	}
	if retried > 0 && retried < len(parts) {
		return appendReply{err: failure}, b.undo(parts)
	}
	if _, err := b.w.conn.ExecContext(b.ctx, "RELEASE multi"); err != nil {
		return appendReply{}, fmt.Errorf("release savepoint: %w", err)
	}
	return appendReply{results: results}, nil
}

// undo takes back what parts wrote under the savepoint. The batch's
// revisions of their streams may count events now gone, so they are
// forgotten and asked again when needed.
func (b *batchTx) undo(parts []eventstore.StreamAppend) error {
	for _, p := range parts {
		delete(b.last, p.Stream)
	}
	if _, err := b.w.conn.ExecContext(b.ctx, "ROLLBACK TO multi; RELEASE multi"); err != nil {
		return fmt.Errorf("undo partial append: %w", err)
	}
	return nil
}
