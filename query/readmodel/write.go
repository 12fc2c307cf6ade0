package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/customersvc/customersvc/query"
)

const upsertCustomer = `
INSERT INTO customers (id, parent_org_id, name, name_key, description, custom_data,
	vat, vat_normalized, logo_url, dark_logo_url, created_at, updated_at, version, search_text)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(id) DO UPDATE SET
	parent_org_id = excluded.parent_org_id, name = excluded.name, name_key = excluded.name_key,
	description = excluded.description, custom_data = excluded.custom_data, vat = excluded.vat,
	vat_normalized = excluded.vat_normalized, logo_url = excluded.logo_url,
	dark_logo_url = excluded.dark_logo_url, created_at = excluded.created_at,
	updated_at = excluded.updated_at, version = excluded.version, search_text = excluded.search_text
WHERE excluded.version > customers.version`

const saveCheckpoint = `
INSERT INTO checkpoints (projection, position) VALUES (?, ?)
ON CONFLICT(projection) DO UPDATE SET position = max(position, excluded.position)`

// SaveCustomers implements query.ReadModelWriter.
func (s *Store) SaveCustomers(ctx context.Context, customers []query.Customer, projection string, position uint64) (changed int, err error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		}
	}()
	stmt := tx.StmtContext(ctx, s.upsert)
	for _, c := range customers {
		n, err := upsert(ctx, stmt, c)
		if err != nil {
			return 0, fmt.Errorf("save customer %s: %w", c.ID, err)
		}
		changed += n
	}
	if _, err := tx.ExecContext(ctx, saveCheckpoint, projection, int64(position)); err != nil {
		return 0, fmt.Errorf("save checkpoint: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	return changed, nil
}

func upsert(ctx context.Context, stmt *sql.Stmt, c query.Customer) (int, error) {
	res, err := stmt.ExecContext(ctx,
		c.ID, c.ParentOrganizationID, c.Name, strings.ToLower(c.Name), c.Description, string(c.CustomData),
		c.VAT, c.NormalizedVAT, c.Branding.LogoURL, c.Branding.DarkLogoURL,
		c.CreatedAt.UnixNano(), c.UpdatedAt.UnixNano(), c.Version, searchText(c))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// searchText is what a search matches: lower-cased with Go's Unicode rules,
// since SQLite's own lower() knows only ASCII.
func searchText(c query.Customer) string {
	return strings.ToLower(c.Name + "\x00" + c.Description + "\x00" + c.VAT + "\x00" + c.NormalizedVAT)
}

// Checkpoint implements query.ReadModelWriter.
func (s *Store) Checkpoint(ctx context.Context, projection string) (uint64, error) {
	var pos int64
	err := s.read.QueryRowContext(ctx, `SELECT position FROM checkpoints WHERE projection = ?`, projection).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read checkpoint: %w", err)
	}
	return uint64(pos), nil
}
