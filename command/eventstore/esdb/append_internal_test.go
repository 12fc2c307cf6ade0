package esdb

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/esdb/esdbtest"
)

// TestWrongExpectedVersionWithoutRevision reads where the stream is when
// the client's message does not say.
func TestWrongExpectedVersionWithoutRevision(t *testing.T) {
	t.Parallel()
	srv, err := esdbtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	s, err := Open(t.Context(), Config{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	stream := "wev-" + uuid.NewString()
	event := func() eventstore.EventData {
		return eventstore.EventData{ID: uuid.New(), Type: "T", Data: []byte(`{}`)}
	}
	if _, err := s.Append(t.Context(), stream, eventstore.NoStream, event(), event()); err != nil {
		t.Fatal(err)
	}
	unclear := errors.New("wrong expected version, somewhere")
	tests := []struct {
		stream  string
		current uint64
		exists  bool
	}{
		{stream, 1, true},
		{"missing-" + uuid.NewString(), 0, false},
	}
	for _, tt := range tests {
		err := s.wrongExpectedVersion(t.Context(), tt.stream, eventstore.Exact(7), unclear)
		wev, ok := errors.AsType[*eventstore.WrongExpectedVersionError](err)
		if !ok || wev.Stream != tt.stream || wev.Current != tt.current || wev.Exists != tt.exists {
			t.Errorf("%s: got %v, want current %d, exists %t", tt.stream, err, tt.current, tt.exists)
		}
	}
}
