package sqlite

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the error; none: valid
	}{
		{"Defaults", Config{Path: "events.db"}, nil},
		{"Set", Config{Path: "/var/lib/events.db", MaxBatch: 1, ReadConns: 1, BusyTimeout: time.Second}, nil},
		{"NoPath", Config{}, []string{"no Path given"}},
		{"Memory", Config{Path: ":memory:"}, []string{"plain file path"}},
		{"URI", Config{Path: "file:events.db"}, []string{"plain file path"}},
		{"Query", Config{Path: "events.db?mode=ro"}, []string{"'?'"}},
		{"AllAtOnce", Config{MaxBatch: -1, ReadConns: -2, BusyTimeout: -time.Second},
			[]string{"no Path given", "MaxBatch -1", "ReadConns -2", "BusyTimeout -1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate accepted an invalid config")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestDSNPragmas checks that the driver applies the pragmas durability and
// concurrency rest on.
func TestDSNPragmas(t *testing.T) {
	t.Parallel()
	cfg := Config{Path: filepath.Join(t.TempDir(), "events.db")}
	cfg.setDefaults()
	tests := []struct {
		name   string
		writer bool
		pragma string
		want   string
	}{
		{"WriterWAL", true, "journal_mode", "wal"},
		{"WriterFullSync", true, "synchronous", "2"},
		{"WriterBusyTimeout", true, "busy_timeout", "5000"},
		{"WriterWrites", true, "query_only", "0"},
		{"ReaderWAL", false, "journal_mode", "wal"},
		{"ReaderReadsOnly", false, "query_only", "1"},
	}
	for _, tt := range tests {
		db, err := sql.Open("sqlite3", cfg.dsn(tt.writer))
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := db.QueryRow("PRAGMA " + tt.pragma).Scan(&got); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: PRAGMA %s = %s, want %s", tt.name, tt.pragma, got, tt.want)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		prefix string
		want   string
		ok     bool
	}{
		{"customer-", "customer.", true},
		{"a\xff", "b", true},
		{"a\xff\xff", "b", true},
		{"\xff", "", false},
		{"é", "\xc3\xaa", true},
	}
	for _, tt := range tests {
		got, ok := prefixEnd(tt.prefix)
		if got != tt.want || ok != tt.ok {
			t.Errorf("prefixEnd(%q) = %q, %t; want %q, %t", tt.prefix, got, ok, tt.want, tt.ok)
		}
	}
}
