package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/customersvc/customersvc/query"
)

// upsertInto, upsertRow and upsertOnConflict make the upsert of customers:
// one row for the live store, many rows per statement for the Loader.
const (
	upsertInto = `
INSERT INTO customers (id, parent_org_id, name, name_key, description, custom_data,
	vat, vat_normalized, logo_url, dark_logo_url, created_at, updated_at, version, search_text, handle)
VALUES `
	upsertRow        = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	upsertOnConflict = `
ON CONFLICT(id) DO UPDATE SET
	parent_org_id = excluded.parent_org_id, name = excluded.name, name_key = excluded.name_key,
	description = excluded.description, custom_data = excluded.custom_data, vat = excluded.vat,
	vat_normalized = excluded.vat_normalized, logo_url = excluded.logo_url,
	dark_logo_url = excluded.dark_logo_url, created_at = excluded.created_at,
	updated_at = excluded.updated_at, version = excluded.version, search_text = excluded.search_text,
	handle = coalesce(excluded.handle,
		CASE WHEN excluded.search_text = customers.search_text THEN customers.handle END)
WHERE excluded.version > customers.version`
	upsertCustomer = upsertInto + upsertRow + upsertOnConflict
	// rowColumns is how many values one row binds.
	rowColumns = 15
)

// upsertCustomers upserts n rows in one statement.
func upsertCustomers(n int) string {
	return upsertInto + upsertRow + strings.Repeat(", "+upsertRow, n-1) + upsertOnConflict
}

// rowValues are the values a customer's row binds, in upsertRow's order.
// The live store and the Loader both write rows from them, so a row is the
// same whichever wrote it. search_text and name_key are lower-cased with
// Go's Unicode rules, since SQLite's own lower() knows only ASCII. handle
// is the row's search-index handle, nil for one to be numbered later
// (assignHandles) — or, on a row whose search text stays the same, to keep
// its handle and index entry (a bulk load over an indexed file).
func rowValues(c query.Customer, handle any) [rowColumns]any {
	nameKey, search := SearchKeys(c)
	return [rowColumns]any{
		c.ID, c.ParentOrganizationID, c.Name, nameKey, c.Description, string(c.CustomData),
		c.VAT, c.NormalizedVAT, c.Branding.LogoURL, c.Branding.DarkLogoURL,
		c.CreatedAt.UnixNano(), c.UpdatedAt.UnixNano(), c.Version, search, handle,
	}
}

const saveCheckpoint = `
INSERT INTO checkpoints (projection, position) VALUES (?, ?)
ON CONFLICT(projection) DO UPDATE SET position = max(position, excluded.position)`

// boundWAL truncates the write-ahead log on the writer's connection once
// it has passed its limit.
func (s *Store) boundWAL(ctx context.Context) error {
	if due, err := s.wal.Due(); err != nil || !due {
		return err
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = s.wal.Bound(ctx, conn)
	return err
}

// SearchKeys returns the name sort key, strings.ToLower(c.Name), and the
// search text, what a search matches (every read-model adapter stores
// these, so that all sort and search alike):
//
//	strings.ToLower(c.Name + "\x00" + c.Description + "\x00" + c.VAT + "\x00" + c.NormalizedVAT)
//
// built in one allocation that both share. Lower-casing goes rune by rune,
// so the name's part of the text is its key.
func SearchKeys(c query.Customer) (nameKey, search string) {
	var b strings.Builder
	b.Grow(len(c.Name) + len(c.Description) + len(c.VAT) + len(c.NormalizedVAT) + 3)
	writeLower(&b, c.Name)
	n := b.Len()
	for _, s := range []string{c.Description, c.VAT, c.NormalizedVAT} {
		b.WriteByte(0)
		writeLower(&b, s)
	}
	search = b.String()
	return search[:n], search
}

// writeLower writes strings.ToLower(s): strings.Map(unicode.ToLower, s),
// which writes each byte of invalid UTF-8 as U+FFFD.
func writeLower(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] < utf8.RuneSelf && (s[j] < 'A' || s[j] > 'Z') {
			j++
		}
		b.WriteString(s[i:j]) // a run that stays as it is
		if j == len(s) {
			return
		}
		if c := s[j]; c < utf8.RuneSelf {
			b.WriteByte(c + 'a' - 'A')
			i = j + 1
			continue
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		b.WriteRune(unicode.ToLower(r))
		i = j + size
	}
}

// Checkpoint implements query.ReadModelWriter.
func (s *Store) Checkpoint(ctx context.Context, projection string) (uint64, error) {
	return readCheckpoint(ctx, s.read, projection)
}

func readCheckpoint(ctx context.Context, db *sql.DB, projection string) (uint64, error) {
	var pos int64
	err := db.QueryRowContext(ctx, `SELECT position FROM checkpoints WHERE projection = ?`, projection).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read checkpoint: %w", err)
	}
	return uint64(pos), nil
}
