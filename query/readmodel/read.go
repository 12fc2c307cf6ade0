package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
)

const customerColumns = `id, parent_org_id, name, description, custom_data, vat, vat_normalized,
	logo_url, dark_logo_url, created_at, updated_at, version`

// Customer implements query.ReadModel.
func (s *Store) Customer(ctx context.Context, id string) (query.Customer, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = ?`, id)
	c, err := scanCustomer(row)
	if errors.Is(err, sql.ErrNoRows) {
		return query.Customer{}, query.ErrNotFound
	}
	return c, err
}

// Customers implements query.ReadModel. The page is read on the indexes
// of its sort (parent, sort key, id), after q.After or past q.Offset, one
// row more than it holds to learn whether another follows. A search reads
// the search index's candidates instead when they are few (see
// searchSource).
func (s *Store) Customers(ctx context.Context, q query.ListQuery) (query.CustomerList, error) {
	src, err := s.searchSource(ctx, q)
	if err != nil {
		return query.CustomerList{}, err
	}
	if src.indexed {
		list, ok, err := s.readCandidates(ctx, q, src)
		if ok || err != nil {
			return list, err
		}
	}
	// The count, the row before a numbered page and the page are read in
	// one snapshot: a total counted before customers were created would
	// otherwise place a page counted from the end too far.
	tx, err := s.read.BeginTx(ctx, nil)
	if err != nil {
		return query.CustomerList{}, fmt.Errorf("list customers: %w", err)
	}
	defer tx.Rollback()
	return listIn(ctx, tx, q)
}

// reader reads: the store's pool or one of its read transactions.
type reader interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// listIn reads q's page along its sort order's index, in db.
func listIn(ctx context.Context, db reader, q query.ListQuery) (query.CustomerList, error) {
	var err error
	list := query.CustomerList{Customers: []query.Customer{}}
	list.Total, list.TotalExact, err = count(ctx, db, q)
	if err != nil {
		return query.CustomerList{}, err
	}
	if list.TotalExact && q.After == nil && q.Offset >= list.Total {
		return list, nil
	}
	if q.Offset > 0 && q.After == nil && q.Search == "" {
		// A page by number starts after the row before it, found on the
		// sort's index alone: stepping over index entries costs a
		// fraction of stepping over rows.
		before, ok, err := rowBefore(ctx, db, q, list.Total)
		if err != nil || !ok {
			return list, err
		}
		q.After, q.Offset = &before, 0
	}
	f := filter(q, true)
	rows, err := db.QueryContext(ctx,
		`SELECT `+customerColumns+`, name_key FROM customers`+f.where()+OrderBy(q)+` LIMIT ? OFFSET ?`,
		append(f.args, q.Limit+1, q.Offset)...)
	if err != nil {
		return query.CustomerList{}, fmt.Errorf("list customers: %w", err)
	}
	defer rows.Close()
	var key, lastKey string
	for rows.Next() {
		c, err := scanCustomer(rows, &key)
		if err != nil {
			return query.CustomerList{}, err
		}
		if len(list.Customers) == q.Limit {
			next := query.PositionOf(list.Customers[q.Limit-1], q.SortBy, lastKey)
			list.Next = &next
			break
		}
		list.Customers, lastKey = append(list.Customers, c), key
	}
	return list, rows.Err()
}

// rowBefore is the position of the row just before q's page (at
// q.Offset-1 in q's order), read from the sort's covering index, from
// whichever end of the scope's total rows is nearer; ok is false when the
// scope has no such row.
func rowBefore(ctx context.Context, db reader, q query.ListQuery, total int) (query.Position, bool, error) {
	skip := q.Offset - 1
	if q.Offset > total/2 && q.Offset <= total {
		q.Desc, skip = !q.Desc, total-q.Offset
	}
	f := filter(q, false)
	col := SortColumn(q.SortBy)
	var p query.Position
	key := any(&p.Time)
	if q.SortBy == query.SortByName {
		key = &p.NameKey
	}
	err := db.QueryRowContext(ctx, `SELECT `+col+`, id FROM customers`+f.where()+OrderBy(q)+` LIMIT 1 OFFSET ?`,
		append(f.args, skip)...).Scan(key, &p.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return query.Position{}, false, nil
	}
	if err != nil {
		return query.Position{}, false, fmt.Errorf("list customers: %w", err)
	}
	return p, true, nil
}

// count is how many customers q matches: the counters without a search;
// with one, an exact count up to query.ExactCountLimit and an estimate
// beyond.
func count(ctx context.Context, db reader, q query.ListQuery) (int, bool, error) {
	if q.Search == "" {
		n, err := scopeCount(ctx, db, q.Scope)
		return n, true, err
	}
	f := filter(q, false)
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM customers`+f.where()+` LIMIT ?)`,
		append(f.args, query.ExactCountLimit+1)...).Scan(&n)
	if err != nil {
		return 0, false, fmt.Errorf("count customers: %w", err)
	}
	if n <= query.ExactCountLimit {
		return n, true, nil
	}
	scoped, err := scopeCount(ctx, db, q.Scope)
	if err != nil {
		return 0, false, err
	}
	var sampled, matched int
	f = filter(query.ListQuery{Scope: q.Scope}, false)
	err = db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(instr(search_text, ?) > 0), 0)
FROM (SELECT search_text FROM customers`+f.where()+` LIMIT ?)`,
		append(append([]any{strings.ToLower(q.Search)}, f.args...), query.EstimateSample)...).Scan(&sampled, &matched)
	if err != nil {
		return 0, false, fmt.Errorf("estimate customers: %w", err)
	}
	return query.EstimateTotal(scoped, sampled, matched), false, nil
}

// scopeCount is how many customers are in scope, from the counters; for
// one customer, whether its row is there.
func scopeCount(ctx context.Context, db reader, scope domain.Scope) (int, error) {
	var n int
	var err error
	switch {
	case scope.All:
		err = db.QueryRowContext(ctx, `SELECT coalesce(max(customers), 0) FROM customer_counts WHERE scope = ?`, CountAll).Scan(&n)
	case scope.ParentOrganizationID != "":
		err = db.QueryRowContext(ctx, `SELECT coalesce(max(customers), 0) FROM customer_counts WHERE scope = ?`,
			ParentCount(scope.ParentOrganizationID)).Scan(&n)
	case scope.CustomerID != "":
		err = db.QueryRowContext(ctx, `SELECT count(*) FROM customers WHERE id = ?`, scope.CustomerID).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("count customers: %w", err)
	}
	return n, nil
}

// conds is a WHERE clause being built.
type conds struct {
	list []string
	args []any
}

func (c *conds) add(cond string, args ...any) {
	c.list, c.args = append(c.list, cond), append(c.args, args...)
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
		f.add("parent_org_id = ?", q.Scope.ParentOrganizationID)
	case q.Scope.CustomerID != "":
		f.add("id = ?", q.Scope.CustomerID)
	default:
		f.add("0")
	}
	if q.Search != "" {
		f.add("instr(search_text, ?) > 0", strings.ToLower(q.Search))
	}
	if after {
		var values []any
		if cond, ok := KeysetAfter(q, func(v any) string { values = append(values, v); return "?" }); ok {
			f.add(cond, values...)
		}
	}
	return f
}

type scanner interface{ Scan(dest ...any) error }

// scanCustomer reads customerColumns, then extra.
func scanCustomer(row scanner, extra ...any) (query.Customer, error) {
	var c query.Customer
	var customData string
	var created, updated int64
	err := row.Scan(append([]any{&c.ID, &c.ParentOrganizationID, &c.Name, &c.Description, &customData,
		&c.VAT, &c.NormalizedVAT, &c.Branding.LogoURL, &c.Branding.DarkLogoURL, &created, &updated, &c.Version}, extra...)...)
	if err != nil {
		return query.Customer{}, err
	}
	c.CustomData = []byte(customData)
	c.CreatedAt = time.Unix(0, created).UTC()
	c.UpdatedAt = time.Unix(0, updated).UTC()
	return c, nil
}
