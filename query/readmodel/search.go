package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/customersvc/customersvc/query"
)

const (
	// candidateLimit is how many candidates a search reads through the
	// index at most: each costs a row lookup. A search with more walks the
	// sort order instead, where its matches are dense enough to fill a
	// page soon.
	candidateLimit = 10_000
	// termLimit is how many customers a search's rarest term may be held
	// by for the search to ask the index: a posting list costs in
	// proportion to its length, even when the candidates are few.
	termLimit = 200_000
	// matchTerms is how many of a search's rarest trigrams the index is
	// asked for: the candidates are the customers holding all of them.
	// More would narrow them little and cost a posting list each.
	matchTerms = 3
	// termSpread is how many times more customers than the rarest term a
	// further term of a search may be held by to be looked up with it.
	termSpread = 8
)

// source is how a list reads a search: through the index, with the terms
// to match, or along the sort order.
type source struct {
	match   string
	indexed bool
}

var tableSource = source{}

// searchSource chooses how q is read. A search goes through the index when
// its rarest trigram is held by at most candidateLimit customers: the rows
// read are then the candidates, whatever the number of customers. A search
// without a trigram (shorter than three characters), or one so common that
// its matches are dense, walks the sort order's index instead, as a list
// without a search does; so does a viewer who sees one customer.
func (s *Store) searchSource(ctx context.Context, q query.ListQuery) (source, error) {
	if q.Search == "" || q.Scope.CustomerID != "" {
		return tableSource, nil
	}
	terms := gramTerms(strings.ToLower(q.Search))
	if len(terms) == 0 {
		return tableSource, nil
	}
	held, err := s.termCounts(ctx, terms)
	if err != nil {
		return source{}, err
	}
	slices.SortStableFunc(terms, func(a, b string) int { return int(held[a] - held[b]) })
	rarest := held[terms[0]]
	if rarest > termLimit {
		return tableSource, nil
	}
	// A term held by many more customers than the rarest would cost its
	// whole posting list to narrow candidates that are few already.
	match := terms[:1]
	for _, t := range terms[1:min(matchTerms, len(terms))] {
		if held[t] > max(termSpread*rarest, 1024) {
			break
		}
		match = append(match, t)
	}
	return source{match: strings.Join(match, " "), indexed: true}, nil
}

// hit is a candidate that matches: its position in the list's order.
type hit = query.Position

// readCandidates reads a search through the index (src) in one snapshot
// of the file: the candidates — the customers the index holds every term
// for, and the rows the indexer has not reached yet — then those that
// match, whose positions give the total and the page, then the page's
// rows. ok is false, and nothing read, when the candidates are more than
// candidateLimit.
func (s *Store) readCandidates(ctx context.Context, q query.ListQuery, src source) (list query.CustomerList, ok bool, err error) {
	tx, err := s.read.BeginTx(ctx, nil)
	if err != nil {
		return list, false, fmt.Errorf("list customers: %w", err)
	}
	defer func() { err = errors.Join(err, tx.Rollback()) }()
	handles, err := candidateHandles(ctx, tx, src.match)
	if err != nil || handles == nil {
		return list, false, err
	}
	f := filter(q, false)
	col := SortColumn(q.SortBy)
	// The candidates are few: read them by handle, never along the
	// parent's index, which SQLite would otherwise pick for the scope.
	rows, err := tx.QueryContext(ctx, `SELECT id, `+col+` FROM customers INDEXED BY customers_handle
WHERE handle IN (SELECT value FROM json_each(?)) AND `+strings.Join(f.list, " AND "),
		append([]any{string(handles)}, f.args...)...)
	if err != nil {
		return list, false, fmt.Errorf("list customers: %w", err)
	}
	var hits []hit
	for rows.Next() {
		var h hit
		key := any(&h.Time)
		if q.SortBy == query.SortByName {
			key = &h.NameKey
		}
		if err := rows.Scan(&h.ID, key); err != nil {
			return list, false, errors.Join(fmt.Errorf("list customers: %w", err), rows.Close())
		}
		hits = append(hits, h)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return list, false, fmt.Errorf("list customers: %w", err)
	}
	list = query.CustomerList{Customers: []query.Customer{}, Total: len(hits), TotalExact: len(hits) <= query.ExactCountLimit}
	page, next := PageOfMatches(hits, q)
	if len(page) == 0 {
		return list, true, nil
	}
	list.Next = next
	list.Customers, err = pageRows(ctx, tx, page)
	return list, true, err
}

// candidateHandles are the handles of the customers the index holds every
// term of match for, and of the rows above the index's mark, as a JSON
// array (text: SQLite takes a blob for its binary JSON); nil when they
// are more than candidateLimit.
func candidateHandles(ctx context.Context, tx *sql.Tx, match string) ([]byte, error) {
	rows, err := tx.QueryContext(ctx, `SELECT docid FROM customer_search WHERE customer_search MATCH ?
UNION ALL
SELECT handle FROM customers WHERE handle > (SELECT coalesce(max(indexed_through), 0) FROM search_progress)
LIMIT ?`, match, candidateLimit+1)
	if err != nil {
		return nil, fmt.Errorf("search customers: %w", err)
	}
	defer rows.Close()
	b := append(make([]byte, 0, 1024), '[')
	n := 0
	for rows.Next() {
		var h int64
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("search customers: %w", err)
		}
		if n++; n > candidateLimit {
			return nil, nil
		}
		if n > 1 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, h, 10)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search customers: %w", err)
	}
	return append(b, ']'), nil
}

// pageRows reads the rows of a page's customers, in the page's order.
func pageRows(ctx context.Context, tx *sql.Tx, page []hit) ([]query.Customer, error) {
	args := make([]any, len(page))
	at := make(map[string]int, len(page))
	for i, h := range page {
		args[i], at[h.ID] = h.ID, i
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE id IN (?`+
		strings.Repeat(", ?", len(page)-1)+`)`, args...)
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

// termCounts reads how many customers the index holds each term for; a
// term it has never seen is absent (0).
func (s *Store) termCounts(ctx context.Context, terms []string) (map[string]int64, error) {
	args := make([]any, len(terms))
	for i, t := range terms {
		args[i] = t
	}
	rows, err := s.read.QueryContext(ctx,
		`SELECT gram, customers FROM customer_grams WHERE gram IN (?`+strings.Repeat(", ?", len(terms)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read search terms: %w", err)
	}
	defer rows.Close()
	held := make(map[string]int64, len(terms))
	for rows.Next() {
		var term string
		var n int64
		if err := rows.Scan(&term, &n); err != nil {
			return nil, fmt.Errorf("read search terms: %w", err)
		}
		held[term] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read search terms: %w", err)
	}
	return held, nil
}
