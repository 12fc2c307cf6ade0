package sqlite_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/sqlite"
)

func newEvent() eventstore.EventData {
	return eventstore.EventData{ID: uuid.Must(uuid.NewV7()), Type: "T", Data: []byte(`{"n":1}`)}
}

// TestReopenKeepsLog closes and reopens a file: events, revisions and
// positions carry on where they were, and retries still deduplicate.
func TestReopenKeepsLog(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "events.db")
	first, second := newEvent(), newEvent()

	s, err := sqlite.Open(t.Context(), sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.Append(t.Context(), "customer-1", eventstore.NoStream, first, second)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	got, err := s.ReadStream(t.Context(), "customer-1", 0, 0)
	if err != nil || len(got) != 2 || got[0].ID != first.ID || got[1].Position != before.Position {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	if retry, err := s.Append(t.Context(), "customer-1", eventstore.NoStream, first, second); err != nil || retry != before {
		t.Fatalf("retry after reopen: %+v, %v; want %+v", retry, err, before)
	}
	_, err = s.Append(t.Context(), "customer-1", eventstore.NoStream, newEvent())
	if !errors.Is(err, eventstore.ErrWrongExpectedVersion) {
		t.Fatalf("NoStream after reopen: %v, want ErrWrongExpectedVersion", err)
	}
	after, err := s.Append(t.Context(), "customer-1", eventstore.Exact(1), newEvent())
	if err != nil {
		t.Fatal(err)
	}
	if after.NextRevision != 2 || !before.Position.Less(after.Position) {
		t.Fatalf("append after reopen: %+v, before %+v", after, before)
	}
}

// TestOpenRefusesNewerSchema keeps an old build from writing a file that a
// newer build has migrated.
func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := sqlite.Open(t.Context(), sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err := sqlite.Open(t.Context(), sqlite.Config{Path: path}); err == nil {
		s.Close()
		t.Fatal("Open accepted a schema newer than it knows")
	}
}
