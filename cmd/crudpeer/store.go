package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/customersvc/customersvc/domain"
)

// schema is the one table and the indexes a plain service would give it:
// the unique VAT per parent, and one index per parent and sort order.
// Search has none: ILIKE over the caller's rows.
const schema = `
CREATE TABLE IF NOT EXISTS customers (
	id                     uuid PRIMARY KEY,
	parent_organization_id text NOT NULL,
	name                   text NOT NULL,
	description            text NOT NULL,
	custom_data            json NOT NULL,
	vat                    text NOT NULL,
	normalized_vat         text NOT NULL,
	created_at             timestamptz NOT NULL,
	updated_at             timestamptz NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS customers_parent_vat ON customers (parent_organization_id, normalized_vat);
CREATE INDEX IF NOT EXISTS customers_parent_created ON customers (parent_organization_id, created_at, id);
CREATE INDEX IF NOT EXISTS customers_parent_updated ON customers (parent_organization_id, updated_at, id);
CREATE INDEX IF NOT EXISTS customers_parent_name ON customers (parent_organization_id, name, id);
CREATE INDEX IF NOT EXISTS customers_created ON customers (created_at, id);
`

// Customer is a row of the table.
type Customer struct {
	ID                   string
	ParentOrganizationID string
	Name                 string
	Description          string
	CustomData           json.RawMessage
	VAT                  string
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// ErrVATTaken says the parent already has a customer with that VAT.
var ErrVATTaken = errors.New("vat already used under this parent")

// ErrNotFound says there is no such customer the caller may see.
var ErrNotFound = errors.New("customer not found")

// Store keeps the customers in PostgreSQL.
type Store struct{ pool *pgxpool.Pool }

// OpenStore connects and creates the table and its indexes if missing.
func OpenStore(ctx context.Context, url string) (*Store, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if _, err := pool.Exec(ctx, schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database schema: %w", err)
	}
	return &Store{pool: pool}, nil
}

func (s *Store) Close() { s.pool.Close() }

// Insert stores a new customer; the unique index refuses a VAT its parent
// already has.
func (s *Store) Insert(ctx context.Context, c Customer) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO customers
		(id, parent_organization_id, name, description, custom_data, vat, normalized_vat, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		c.ID, c.ParentOrganizationID, c.Name, c.Description, string(c.CustomData), c.VAT,
		domain.NormalizeVAT(c.VAT), c.CreatedAt, c.UpdatedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return ErrVATTaken
	}
	return err
}

const columns = `id::text, parent_organization_id, name, description, custom_data::text, vat, created_at, updated_at`

// Get returns the customer if the scope includes it.
func (s *Store) Get(ctx context.Context, scope domain.Scope, id string) (Customer, error) {
	row := s.pool.QueryRow(ctx, `SELECT `+columns+` FROM customers WHERE id = $1`, id)
	c, err := scanCustomer(row)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !scope.Includes(c.ID, c.ParentOrganizationID)) {
		return Customer{}, ErrNotFound
	}
	return c, err
}

// ListQuery is a page of the customers a scope holds, checked by the
// HTTP edge.
type ListQuery struct {
	Scope         domain.Scope
	Page          int
	PageSize      int
	SortBy        string // a column: name, created_at, updated_at
	SortDirection string // asc or desc
	Search        string
}

// List returns one page and how many customers match in all: two
// queries, as a plain service counts.
func (s *Store) List(ctx context.Context, q ListQuery) ([]Customer, int, error) {
	where, args := whereOf(q)
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM customers WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	order := q.SortBy + " " + q.SortDirection + ", id " + q.SortDirection
	args = append(args, q.PageSize, (q.Page-1)*q.PageSize)
	rows, err := s.pool.Query(ctx, fmt.Sprintf(`SELECT %s FROM customers WHERE %s ORDER BY %s LIMIT $%d OFFSET $%d`,
		columns, where, order, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	customers, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Customer, error) { return scanCustomer(r) })
	return customers, total, err
}

// whereOf is the scope's condition and the search's.
func whereOf(q ListQuery) (string, []any) {
	var conds []string
	var args []any
	switch {
	case q.Scope.All:
		conds = append(conds, "true")
	case q.Scope.ParentOrganizationID != "":
		args = append(args, q.Scope.ParentOrganizationID)
		conds = append(conds, "parent_organization_id = $1")
	case uuid.Validate(q.Scope.CustomerID) == nil:
		args = append(args, q.Scope.CustomerID)
		conds = append(conds, "id = $1")
	default: // a Customer whose organization is no customer ID sees nothing
		conds = append(conds, "false")
	}
	if q.Search != "" {
		n := len(args)
		args = append(args, "%"+escapeLike(q.Search)+"%", "%"+escapeLike(domain.NormalizeVAT(q.Search))+"%")
		conds = append(conds, fmt.Sprintf("(name ILIKE $%d OR description ILIKE $%d OR vat ILIKE $%d OR normalized_vat ILIKE $%d)", n+1, n+1, n+1, n+2))
	}
	return strings.Join(conds, " AND "), args
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func scanCustomer(row pgx.Row) (Customer, error) {
	var c Customer
	var customData string
	err := row.Scan(&c.ID, &c.ParentOrganizationID, &c.Name, &c.Description, &customData, &c.VAT, &c.CreatedAt, &c.UpdatedAt)
	c.CustomData = json.RawMessage(customData)
	return c, err
}
