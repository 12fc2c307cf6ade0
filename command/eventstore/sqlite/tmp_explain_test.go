package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

func TestTmpExplain(t *testing.T) {
	s, err := Open(t.Context(), Config{Path: filepath.Join(t.TempDir(), "x.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{
		`EXPLAIN QUERY PLAN SELECT max(revision) FROM events WHERE stream = 'x'`,
		`EXPLAIN QUERY PLAN SELECT stream, revision, position FROM events WHERE event_id = x'00'`,
		`EXPLAIN QUERY PLAN SELECT ` + eventColumns + ` FROM events WHERE stream = 'x' AND revision >= 0 ORDER BY revision LIMIT -1`,
		`EXPLAIN QUERY PLAN SELECT ` + eventColumns + ` FROM events WHERE position > 1 AND position <= 5 AND ((stream >= 'a' AND stream < 'b') OR stream >= 'c') ORDER BY position LIMIT 1000`,
		`EXPLAIN QUERY PLAN SELECT coalesce(max(position), 0) FROM events`,
	} {
		rows, err := s.readDB.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b, c int
			var d sql.NullString
			rows.Scan(&a, &b, &c, &d)
			t.Log(q[19:60], "→", d.String)
		}
		rows.Close()
	}
	var sync, jm string
	s.writeDB.QueryRow("PRAGMA journal_mode").Scan(&jm)
	t.Log("journal", jm)
	_ = sync
}
