package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/customersvc/customersvc/query"
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
// the same filter, order and paging.
func (s *Store) Customers(ctx context.Context, q query.ListQuery) ([]query.Customer, int, error) {
	where, args := whereClause(q)
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM customers`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count customers: %w", err)
	}
	customers := []query.Customer{}
	if total == 0 || q.Offset >= total {
		return customers, total, nil
	}
	n := len(args)
	rows, err := s.pool.Query(ctx,
		`SELECT `+customerColumns+` FROM customers`+where+orderBy(q)+
			` LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2),
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list customers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list customers: %w", err)
		}
		customers = append(customers, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list customers: %w", err)
	}
	return customers, total, nil
}

func whereClause(q query.ListQuery) (string, []any) {
	var conds []string
	var args []any
	param := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch {
	case q.Scope.All:
	case q.Scope.ParentOrganizationID != "":
		conds = append(conds, "parent_org_id = "+param(q.Scope.ParentOrganizationID))
	case q.Scope.CustomerID != "":
		conds = append(conds, "id = "+param(q.Scope.CustomerID))
	default:
		conds = append(conds, "false")
	}
	if q.Search != "" {
		// The search text is bytes (see the schema): a substring match on
		// them is SQLite's instr on its text.
		conds = append(conds, "position("+param([]byte(strings.ToLower(q.Search)))+"::bytea in search_text) > 0")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func orderBy(q query.ListQuery) string {
	col := "created_at"
	switch q.SortBy {
	case query.SortByName:
		col = "name_key"
	case query.SortByUpdatedAt:
		col = "updated_at"
	}
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	return " ORDER BY " + col + dir + ", id" + dir
}

func scanCustomer(row pgx.Row) (query.Customer, error) {
	var c query.Customer
	var description []byte
	var created, updated int64
	err := row.Scan(&c.ID, &c.ParentOrganizationID, &c.Name, &description, &c.CustomData,
		&c.VAT, &c.NormalizedVAT, &c.Branding.LogoURL, &c.Branding.DarkLogoURL, &created, &updated, &c.Version)
	if err != nil {
		return query.Customer{}, err
	}
	c.Description = string(description)
	c.CreatedAt = time.Unix(0, created).UTC()
	c.UpdatedAt = time.Unix(0, updated).UTC()
	return c, nil
}
