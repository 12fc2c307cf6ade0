package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

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

// Customers implements query.ReadModel.
func (s *Store) Customers(ctx context.Context, q query.ListQuery) ([]query.Customer, int, error) {
	where, args := whereClause(q)
	var total int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM customers`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count customers: %w", err)
	}
	customers := []query.Customer{}
	if total == 0 || q.Offset >= total {
		return customers, total, nil
	}
	rows, err := s.read.QueryContext(ctx,
		`SELECT `+customerColumns+` FROM customers`+where+orderBy(q)+` LIMIT ? OFFSET ?`,
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list customers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, 0, err
		}
		customers = append(customers, c)
	}
	return customers, total, rows.Err()
}

func whereClause(q query.ListQuery) (string, []any) {
	var conds []string
	var args []any
	switch {
	case q.Scope.All:
	case q.Scope.ParentOrganizationID != "":
		conds, args = append(conds, "parent_org_id = ?"), append(args, q.Scope.ParentOrganizationID)
	case q.Scope.CustomerID != "":
		conds, args = append(conds, "id = ?"), append(args, q.Scope.CustomerID)
	default:
		conds = append(conds, "0")
	}
	if q.Search != "" {
		conds, args = append(conds, "instr(search_text, ?) > 0"), append(args, strings.ToLower(q.Search))
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

type scanner interface{ Scan(dest ...any) error }

func scanCustomer(row scanner) (query.Customer, error) {
	var c query.Customer
	var customData string
	var created, updated int64
	err := row.Scan(&c.ID, &c.ParentOrganizationID, &c.Name, &c.Description, &customData,
		&c.VAT, &c.NormalizedVAT, &c.Branding.LogoURL, &c.Branding.DarkLogoURL, &created, &updated, &c.Version)
	if err != nil {
		return query.Customer{}, err
	}
	c.CustomData = []byte(customData)
	c.CreatedAt = time.Unix(0, created).UTC()
	c.UpdatedAt = time.Unix(0, updated).UTC()
	return c, nil
}
