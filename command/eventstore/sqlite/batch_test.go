package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
)

// openWriter opens a writer without its goroutine, so that a test decides
// exactly which appends share a batch.
func openWriter(t *testing.T) (*writer, *Store) {
	t.Helper()
	cfg := Config{Path: filepath.Join(t.TempDir(), "events.db")}
	cfg.setDefaults()
	db, err := sql.Open("sqlite3", cfg.dsn(true))
	if err != nil {
		t.Fatal(err)
	}
	w, err := newWriter(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	readDB, err := sql.Open("sqlite3", cfg.dsn(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := errors.Join(w.close(), db.Close(), readDB.Close()); err != nil {
			t.Error(err)
		}
	})
	// A Store around the reader only, for ReadStream.
	return w, &Store{cfg: cfg, readDB: readDB}
}

func event() eventstore.EventData {
	return eventstore.EventData{ID: uuid.Must(uuid.NewV7()), Type: "T", Data: []byte(`{}`)}
}

func request(stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) *appendRequest {
	return multiRequest(eventstore.StreamAppend{Stream: stream, Expected: expected, Events: events})
}

func multiRequest(parts ...eventstore.StreamAppend) *appendRequest {
	return &appendRequest{parts: parts, reply: make(chan appendReply, 1)}
}

// TestBatchAppendsAreIndependent commits one batch of appends that see each
// other and fail on their own.
func TestBatchAppendsAreIndependent(t *testing.T) {
	t.Parallel()
	w, s := openWriter(t)
	old := event()
	w.commit([]*appendRequest{request("existing", eventstore.NoStream, old)})

	e := make([]eventstore.EventData, 6)
	for i := range e {
		e[i] = event()
	}
	tests := []struct {
		name    string
		req     *appendRequest
		wantRev uint64
		wantErr error
	}{
		{"Create", request("new", eventstore.NoStream, e[0]), 0, nil},
		{"CreateExisting", request("existing", eventstore.NoStream, e[1]), 0, eventstore.ErrWrongExpectedVersion},
		{"SeesEarlierInBatch", request("new", eventstore.Exact(0), e[1]), 1, nil},
		{"ConflictsWithEarlierInBatch", request("new", eventstore.NoStream, e[2]), 0, eventstore.ErrWrongExpectedVersion},
		{"DuplicateIDMidAppend", request("existing", eventstore.Exact(0), e[2], old, e[3]), 0, ErrDuplicateEventID},
		{"AfterUndoneAppend", request("existing", eventstore.Exact(0), e[2]), 1, nil},
		{"RetryInSameBatch", request("new", eventstore.NoStream, e[0]), 0, nil},
		{"DuplicateIDInAppend", request("twice", eventstore.NoStream, e[4], e[4]), 0, ErrDuplicateEventID},
		{"AnyAfterRefusals", request("twice", eventstore.Any, e[5]), 0, nil},
	}
	batch := make([]*appendRequest, len(tests))
	for i, tt := range tests {
		batch[i] = tt.req
	}
	if wrote, _ := w.commit(batch); !wrote {
		t.Fatal("commit reports nothing written")
	}
	var last eventstore.Position
	for _, tt := range tests {
		r := <-tt.req.reply
		switch {
		case tt.wantErr != nil && !errors.Is(r.err, tt.wantErr):
			t.Errorf("%s: error %v, want %v", tt.name, r.err, tt.wantErr)
		case tt.wantErr == nil && r.err != nil:
			t.Errorf("%s: %v", tt.name, r.err)
		case tt.wantErr == nil && r.results[0].NextRevision != tt.wantRev:
			t.Errorf("%s: revision %d, want %d", tt.name, r.results[0].NextRevision, tt.wantRev)
		case tt.wantErr == nil && tt.name != "RetryInSameBatch":
			if !last.Less(r.results[0].Position) {
				t.Errorf("%s: position %s not after %s", tt.name, r.results[0].Position, last)
			}
			last = r.results[0].Position
		}
	}
	wantStream(t, s, "new", e[0], e[1])
	wantStream(t, s, "existing", old, e[2])
	wantStream(t, s, "twice", e[5])
}

// TestBatchFailureFailsEveryAppend makes the whole batch fail: every append
// gets the error, nothing is written, and the next batch works.
func TestBatchFailureFailsEveryAppend(t *testing.T) {
	t.Parallel()
	w, s := openWriter(t)
	ctx := context.Background()
	if _, err := w.conn.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
		t.Fatal(err)
	}
	batch := []*appendRequest{request("a", eventstore.NoStream, event()), request("b", eventstore.Any, event())}
	if wrote, _ := w.commit(batch); wrote {
		t.Error("failed commit reports events written")
	}
	for i, req := range batch {
		if r := <-req.reply; r.err == nil {
			t.Errorf("append %d succeeded in a failed batch", i)
		}
	}
	if _, err := w.conn.ExecContext(ctx, "PRAGMA query_only = 0"); err != nil {
		t.Fatal(err)
	}
	wantStream(t, s, "a")
	wantStream(t, s, "b")

	e := event()
	req := request("a", eventstore.NoStream, e)
	w.commit([]*appendRequest{req})
	if r := <-req.reply; r.err != nil || r.results[0].NextRevision != 0 {
		t.Fatalf("append after failed batch: %+v", r)
	}
	wantStream(t, s, "a", e)
}

// wantStream fails t unless stream holds exactly want, or is not found if
// want is empty.
func wantStream(t *testing.T, s *Store, stream string, want ...eventstore.EventData) {
	t.Helper()
	got, err := s.ReadStream(t.Context(), stream, 0, 0)
	if len(want) == 0 {
		if !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Errorf("stream %q: %d events, error %v; want not found", stream, len(got), err)
		}
		return
	}
	if err != nil {
		t.Fatalf("stream %q: %v", stream, err)
	}
	if len(got) != len(want) {
		t.Fatalf("stream %q: %d events, want %d", stream, len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Revision != uint64(i) {
			t.Errorf("stream %q event %d: %s@%d, want %s@%d", stream, i, got[i].ID, got[i].Revision, want[i].ID, i)
		}
	}
}
