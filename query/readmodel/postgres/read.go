package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
)

const customerColumns = `id, parent_org_id, name, description, custom_data, vat, vat_normalized,
	logo_url, dark_logo_url, created_at, updated_at, version`

// Customer implements query.ReadModel.
func (s *Store) Customer(ctx context.Context, id string) (query.Customer, error) {
	c, err := scanCustomer(s.pool.QueryRow(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return query.Customer{}, query.ErrNotFound
	}
	if err != nil {
		return query.Customer{}, fmt.Errorf("read customer: %w", err)
	}
	return c, nil
}

// Customers implements query.ReadModel, as the SQLite read model does:
// the same filter, order, paging and counts. The page is read on the
// index of its sort, after q.After or past q.Offset, one row more than it
// holds to learn whether another follows; a page by number starts after
// the row before it, found on that index alone (rowBefore). A search that
// matches few customers reads the trigram index's candidates instead
// (readCandidates).
func (s *Store) Customers(ctx context.Context, q query.ListQuery) (query.CustomerList, error) {
	many := false
	if candidateSearch(q) {
		list, ok, more, err := s.readCandidates(ctx, q)
		if ok || err != nil {
			return list, err
		}
		many = more
	}
	// A page by number is counted, placed and read in one snapshot: a
	// total counted before customers were created would place a page
	// counted from the end too far.
	var db querier = s.pool
	if q.Offset > 0 && q.After == nil && q.Search == "" {
		tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return query.CustomerList{}, fmt.Errorf("list customers: %w", err)
		}
		defer tx.Rollback(ctx)
		db = tx
	}
	list := query.CustomerList{Customers: []query.Customer{}}
	var err error
	list.Total, list.TotalExact, err = s.count(ctx, db, q, many)
	if err != nil {
		return query.CustomerList{}, err
	}
	if list.TotalExact && q.After == nil && q.Offset >= list.Total {
		return list, nil
	}
	if q.Offset > 0 && q.After == nil && q.Search == "" {
		// OFFSET reads the row of each customer it skips; the row before
		// the page, found on the sort's index, skips index entries only,
		// and the page is then a keyset page.
		before, ok, err := rowBefore(ctx, db, q, list.Total)
		if err != nil || !ok {
			return list, err
		}
		q.After, q.Offset = &before, 0
		s.rowBeforeReads.Add(1)
	}
	stmt, args := pageQuery(q)
	rows, err := db.Query(ctx, stmt, args...)
	if err != nil {
		return query.CustomerList{}, fmt.Errorf("list customers: %w", err)
	}
	defer rows.Close()
	var key, lastKey string
	for rows.Next() {
		c, err := scanCustomer(rows, &key)
		if err != nil {
			return query.CustomerList{}, fmt.Errorf("list customers: %w", err)
		}
		if len(list.Customers) == q.Limit {
			next := query.PositionOf(list.Customers[q.Limit-1], q.SortBy, lastKey)
			list.Next = &next
			break
		}
		list.Customers, lastKey = append(list.Customers, c), key
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return query.CustomerList{}, fmt.Errorf("list customers: %w", err)
	}
	return list, nil
}

// rowBefore is the position of the customer just before q's page (at
// q.Offset-1 in q's order), from whichever end of the scope's total
// customers is nearer, as the SQLite read model finds it; ok is false
// when the scope has no such customer.
//
// It reads the sort's index (scope, sort column, id) only: an index-only
// scan, which skips the heap for the pages the visibility map marks
// all-visible, so a table that (auto)vacuum has not yet visited since a
// bulk load costs a heap read per entry skipped, as OFFSET does. A
// rebuild's copy is vacuumed before it serves (Loader.Finish).
func rowBefore(ctx context.Context, db querier, q query.ListQuery, total int) (query.Position, bool, error) {
	skip := q.Offset - 1
	if q.Offset > total/2 && q.Offset <= total {
		q.Desc, skip = !q.Desc, total-q.Offset
	}
	f := filter(query.ListQuery{Scope: q.Scope}, false)
	var p query.Position
	key := any(&p.Time)
	if q.SortBy == query.SortByName {
		key = &p.NameKey
	}
	stmt := `SELECT ` + readmodel.SortColumn(q.SortBy) + `, id FROM customers` + f.where() + readmodel.OrderBy(q) +
		` LIMIT 1 OFFSET ` + f.param(skip)
	err := db.QueryRow(ctx, stmt, f.args...).Scan(key, &p.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return query.Position{}, false, nil
	}
	if err != nil {
		return query.Position{}, false, fmt.Errorf("list customers: %w", err)
	}
	return p, true, nil
}

// count is how many customers q matches: the counters without a search,
// with one an exact count up to query.ExactCountLimit and an estimate
// beyond; many says that the search is known to match more than
// query.ExactCountLimit (its candidates were more), so it is estimated
// without counting.
func (s *Store) count(ctx context.Context, db querier, q query.ListQuery, many bool) (int, bool, error) {
	if q.Search == "" {
		n, err := scopeCount(ctx, db, q.Scope)
		return n, true, err
	}
	if !many {
		var n int
		stmt, args := countQuery(q)
		err := db.QueryRow(ctx, stmt, args...).Scan(&n)
		if err != nil {
			return 0, false, fmt.Errorf("count customers: %w", err)
		}
		if n <= query.ExactCountLimit {
			return n, true, nil
		}
	}
	scoped, err := scopeCount(ctx, db, q.Scope)
	if err != nil {
		return 0, false, err
	}
	var sampled, matched int
	f := filter(query.ListQuery{Scope: q.Scope}, false)
	search := f.param([]byte(strings.ToLower(q.Search)))
	stmt := `SELECT count(*), count(*) FILTER (WHERE position(` + search + `::bytea in search_text) > 0)
FROM (SELECT search_text FROM customers` + f.where() + ` LIMIT ` + f.param(query.EstimateSample) + `) AS sample`
	err = db.QueryRow(ctx, stmt, f.args...).Scan(&sampled, &matched)
	if err != nil {
		return 0, false, fmt.Errorf("estimate customers: %w", err)
	}
	return query.EstimateTotal(scoped, sampled, matched), false, nil
}

// querier reads: the pool, or one of its transactions.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// pageQuery is the statement that reads q's page, one row more than
// q.Limit, and its arguments.
func pageQuery(q query.ListQuery) (string, []any) {
	f := filter(q, true)
	// The statement first, then its arguments: f.param adds to them.
	stmt := `SELECT ` + customerColumns + `, name_key FROM customers` + f.where() + readmodel.OrderBy(q) +
		` LIMIT ` + f.param(q.Limit+1) + ` OFFSET ` + f.param(q.Offset)
	return stmt, f.queryArgs()
}

// countQuery is the statement that counts q's matches up to
// query.ExactCountLimit+1, and its arguments.
func countQuery(q query.ListQuery) (string, []any) {
	f := filter(q, false)
	stmt := `SELECT count(*) FROM (SELECT 1 FROM customers` + f.where() +
		` LIMIT ` + f.param(query.ExactCountLimit+1) + `) AS m`
	return stmt, f.queryArgs()
}

// conds is a WHERE clause being built, with its numbered parameters.
type conds struct {
	list []string
	args []any
	// planEach says the statement is planned for its arguments each time
	// it runs (see filter).
	planEach bool
}

// queryArgs are the arguments to pass pgx: c's, after the mode that plans
// the statement for them when c.planEach.
func (c conds) queryArgs() []any {
	if !c.planEach {
		return c.args
	}
	// An unnamed statement, planned at each run with its arguments; the
	// cached statements pgx prepares by default get, after five runs, a
	// generic plan that does not know the search.
	return append([]any{pgx.QueryExecModeCacheDescribe}, c.args...)
}

// param binds v and returns its placeholder.
func (c *conds) param(v any) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(len(c.args))
}

func (c conds) where() string {
	if len(c.list) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.list, " AND ")
}

// filter is q's scope and search, and with after its position.
func filter(q query.ListQuery, after bool) conds {
	var f conds
	switch {
	case q.Scope.All:
	case q.Scope.ParentOrganizationID != "":
		f.list = append(f.list, "parent_org_id = "+f.param(q.Scope.ParentOrganizationID))
	case q.Scope.CustomerID != "":
		f.list = append(f.list, "id = "+f.param(q.Scope.CustomerID))
	default:
		f.list = append(f.list, "false")
	}
	if q.Search != "" {
		// The search text is bytes (see the schema): a substring match on
		// them is SQLite's instr on its text.
		search := strings.ToLower(q.Search)
		f.list = append(f.list, "position("+f.param([]byte(search))+"::bytea in search_text) > 0")
		// search_trgm, the search text as text (migration 000003), has a
		// trigram index, which finds the rows that may match without
		// reading the others; the position above still decides. The
		// planner chooses, by the column's statistics, between that index
		// (then a sort) for a search that matches few customers, and the
		// sort order's index with the search as a filter, stopped once the
		// page is full, for one that matches many. So each search is
		// planned for its own arguments (planEach): a generic plan, blind
		// to the search, took the index for all, and read and sorted every
		// customer for a search that matches them all.
		//
		// A search with a NUL gets no LIKE (search_trgm has U+001F there),
		// nor does one of fewer than three characters, which holds no
		// trigram (pg_trgm cannot narrow LIKE '%ab%' down): they read the
		// rows as before the index, with the plans they had. A page in the
		// sort order stops once full and the count at
		// query.ExactCountLimit+1 matches, but such a search that matches
		// few customers reads them all.
		if pattern, ok := likePattern(search); ok {
			f.list = append(f.list, "search_trgm LIKE "+f.param(pattern))
			f.planEach = true
		}
	}
	if after {
		if cond, ok := readmodel.KeysetAfter(q, f.param); ok {
			f.list = append(f.list, cond)
		}
	}
	return f
}

// likePattern is the LIKE pattern that every search_trgm passes whose
// search_text holds search: search between %s, its %, _ and \ escaped.
// ok is false when there is none, search holding a NUL or invalid UTF-8
// (which strings.ToLower's never holds), or when it would not narrow the
// search down, search being shorter than a trigram.
func likePattern(search string) (pattern string, ok bool) {
	if strings.IndexByte(search, 0) >= 0 || !utf8.ValidString(search) || !hasWordOfThree(search) {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(search) + 2)
	b.WriteByte('%')
	for i := 0; i < len(search); i++ {
		if c := search[i]; c == '%' || c == '_' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(search[i])
	}
	b.WriteByte('%')
	return b.String(), true
}

// hasWordOfThree says whether search holds three letters or digits in a
// row: pg_trgm takes its trigrams from such words, so a search without one
// ("---", "a-b", three spaces) gives the index nothing to narrow by, and
// asking it would read every row.
func hasWordOfThree(search string) bool {
	run := 0
	for _, r := range search {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			run = 0
			continue
		}
		if run++; run == 3 {
			return true
		}
	}
	return false
}

// scanCustomer reads customerColumns, then extra.
func scanCustomer(row pgx.Row, extra ...any) (query.Customer, error) {
	var c query.Customer
	var description []byte
	var created, updated int64
	err := row.Scan(append([]any{&c.ID, &c.ParentOrganizationID, &c.Name, &description, &c.CustomData,
		&c.VAT, &c.NormalizedVAT, &c.Branding.LogoURL, &c.Branding.DarkLogoURL, &created, &updated, &c.Version}, extra...)...)
	if err != nil {
		return query.Customer{}, err
	}
	c.Description = string(description)
	c.CreatedAt = time.Unix(0, created).UTC()
	c.UpdatedAt = time.Unix(0, updated).UTC()
	return c, nil
}
