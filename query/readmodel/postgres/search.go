package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
)

const (
	// candidateLimit is how many candidates a search reads through the
	// trigram index at most, as the SQLite read model does: each costs a
	// row read and their sort is in Go. A search with more walks the sort
	// order instead, where its matches are dense enough to fill a page
	// soon. It is query.ExactCountLimit, so that the candidates are the
	// exact total.
	candidateLimit = query.ExactCountLimit
	// candidateEstimate is the planner's estimate of a search's matches in
	// its scope above which the search does not try the index's
	// candidates. pg_trgm leaves LIKE's estimate to PostgreSQL's, which
	// tries the pattern on the column's histogram (99 rows at the default
	// statistics target) and believes no less than 0.01%: a search that
	// no histogram row holds is estimated at 0.01% of the scope, one that
	// one row holds at about 1%. Twice candidateLimit takes the searches
	// that may well have candidateLimit candidates or fewer, and leaves
	// those that match many (a twelfth, all) to the sort order, without
	// paying first for a bitmap of all their rows.
	candidateEstimate = 2 * candidateLimit
)

// hit is a candidate that matches: its position in the list's order.
type hit = query.Position

// candidateSearch says whether q may be read through the trigram index's
// candidates: a search with trigrams (see likePattern), in a scope of
// more than one customer.
func candidateSearch(q query.ListQuery) bool {
	if q.Search == "" || q.Scope.CustomerID != "" || !q.Scope.All && q.Scope.ParentOrganizationID == "" {
		return false
	}
	_, ok := likePattern(strings.ToLower(q.Search))
	return ok
}

// estimateMatches is the planner's estimate of how many customers of q's
// scope pass q's LIKE: planning only, no row read.
func (s *Store) estimateMatches(ctx context.Context, q query.ListQuery) (float64, error) {
	f := filter(query.ListQuery{Scope: q.Scope}, false)
	pattern, _ := likePattern(strings.ToLower(q.Search))
	f.list = append(f.list, "search_trgm LIKE "+f.param(pattern))
	f.planEach = true
	var plan []byte
	err := s.pool.QueryRow(ctx, `EXPLAIN (FORMAT JSON) SELECT 1 FROM customers`+f.where(), f.queryArgs()...).Scan(&plan)
	if err != nil {
		return 0, fmt.Errorf("estimate search: %w", err)
	}
	var plans []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	if err := json.Unmarshal(plan, &plans); err != nil || len(plans) != 1 {
		return 0, fmt.Errorf("estimate search: plan %.100q: %v", plan, err)
	}
	return plans[0].Plan.Rows, nil
}

// readCandidates reads a search through the trigram index, as the SQLite
// read model does (query/readmodel/search.go), in one snapshot: the
// positions of the customers that match, found through the index alone
// (a bitmap of the candidates that hold the search's trigrams, whose
// rows are then matched exactly), whatever the sort order; the total is
// their number, the page is found among them in Go, and its rows read by
// id. ok is false when the planner expects more than candidateEstimate
// matches (nothing read; many false) or there are more than
// candidateLimit (many true): the search then walks the sort order, and
// with many its count is the estimate without counting first.
//
// Left to itself, the planner takes the sort order's index for such a
// search, with the search as a filter, expecting a page's matches early
// (its estimate for a search the histogram does not hold is 0.01% of
// the rows), and walked all of a million customers for one that matches
// one of them; the count likewise.
func (s *Store) readCandidates(ctx context.Context, q query.ListQuery) (list query.CustomerList, ok, many bool, err error) {
	est, err := s.estimateMatches(ctx, q)
	if err != nil || est > candidateEstimate {
		return list, false, false, err
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return list, false, false, fmt.Errorf("list customers: %w", err)
	}
	defer func() {
		if rerr := tx.Rollback(context.WithoutCancel(ctx)); rerr != nil && !errors.Is(rerr, pgx.ErrTxClosed) {
			err = errors.Join(err, rerr)
		}
	}()
	// GIN indexes serve bitmap scans only: without sequential and index
	// scans, the trigram index's bitmap is the plan for the candidates.
	f := filter(query.ListQuery{Scope: q.Scope, Search: q.Search}, false)
	col := readmodel.SortColumn(q.SortBy)
	stmt := `SELECT id, ` + col + ` FROM customers` + f.where() + ` LIMIT ` + f.param(candidateLimit+1)
	// One round trip for the settings (simple protocol, no arguments);
	// the statement is planned for its arguments (queryArgs).
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off`); err != nil {
		return list, false, false, fmt.Errorf("search customers: %w", err)
	}
	rows, err := tx.Query(ctx, stmt, f.queryArgs()...)
	if err != nil {
		return list, false, false, fmt.Errorf("search customers: %w", err)
	}
	hits := make([]hit, 0, 64)
	var h hit
	key := any(&h.Time)
	if q.SortBy == query.SortByName {
		key = &h.NameKey
	}
	for rows.Next() {
		if err := rows.Scan(&h.ID, key); err != nil {
			rows.Close()
			return list, false, false, fmt.Errorf("search customers: %w", err)
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return list, false, false, fmt.Errorf("search customers: %w", err)
	}
	if len(hits) > candidateLimit {
		return list, false, true, nil
	}
	s.candidateReads.Add(1)
	list = query.CustomerList{Customers: []query.Customer{}, Total: len(hits), TotalExact: true}
	page, next := readmodel.PageOfMatches(hits, q)
	if len(page) == 0 {
		return list, true, false, nil
	}
	list.Next = next
	list.Customers, err = pageRows(ctx, tx, page)
	if err != nil {
		return query.CustomerList{}, false, false, err
	}
	return list, true, false, tx.Commit(ctx)
}

// pageRows reads the rows of a page's customers, in the page's order.
func pageRows(ctx context.Context, tx pgx.Tx, page []hit) ([]query.Customer, error) {
	ids := make([]string, len(page))
	at := make(map[string]int, len(page))
	for i, h := range page {
		ids[i], at[h.ID] = h.ID, i
	}
	rows, err := tx.Query(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("list customers: %w", err)
	}
	defer rows.Close()
	out := make([]query.Customer, len(page))
	found := 0
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, fmt.Errorf("list customers: %w", err)
		}
		out[at[c.ID]] = c
		found++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list customers: %w", err)
	}
	if found != len(page) {
		return nil, fmt.Errorf("list customers: %d of the page's %d rows read", found, len(page))
	}
	return out, nil
}
