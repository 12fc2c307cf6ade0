package postgres

import (
	"context"

	"github.com/customersvc/customersvc/query"
)

// Raced is how many batches ran again after another writer inserted one
// of their customers first.
func (s *Store) Raced() int64 { return s.raced.Load() }

// CandidateReads is how many searches read the trigram index's
// candidates (readCandidates) rather than walk the sort order.
func (s *Store) CandidateReads() int64 { return s.candidateReads.Load() }

// RowBeforeReads is how many pages by number started after the row
// before them, found on the sort's index, rather than past an OFFSET.
func (s *Store) RowBeforeReads() int64 { return s.rowBeforeReads.Load() }

// ExplainSearch is EXPLAIN (FORMAT JSON) of the statements Customers runs
// for q: its page's and its count's.
func (s *Store) ExplainSearch(ctx context.Context, q query.ListQuery) (page, count string, err error) {
	for _, plan := range []struct {
		out  *string
		stmt func(query.ListQuery) (string, []any)
	}{{&page, pageQuery}, {&count, countQuery}} {
		stmt, args := plan.stmt(q)
		if err := s.pool.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+stmt, args...).Scan(plan.out); err != nil {
			return "", "", err
		}
	}
	return page, count, nil
}
