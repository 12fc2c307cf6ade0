package eventstoretest

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
)

func testReadStreamFromLimit(t *testing.T, s eventstore.Store) {
	stream := newPrefix() + "s"
	events := newEvents(5)
	mustAppend(t, s, stream, eventstore.NoStream, events...)
	tests := []struct {
		name  string
		from  uint64
		limit int
		want  []eventstore.EventData
	}{
		{"All", 0, 0, events},
		{"AllNegativeLimit", 0, -1, events},
		{"From", 2, 0, events[2:]},
		{"FromLimit", 1, 2, events[1:3]},
		{"LimitPastEnd", 3, 10, events[3:]},
		{"Last", 4, 1, events[4:]},
		{"AtEnd", 5, 0, nil},
		{"PastEnd", 100, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.ReadStream(t.Context(), stream, tt.from, tt.limit)
			if err != nil {
				t.Fatalf("ReadStream: %v", err)
			}
			wantIDs(t, got, tt.want...)
			for i, e := range got {
				if e.Revision != tt.from+uint64(i) || e.Stream != stream {
					t.Errorf("event %d: %s@%d, want %s@%d", i, e.Stream, e.Revision, stream, tt.from+uint64(i))
				}
			}
		})
	}
}

func testReadStreamNotFound(t *testing.T, s eventstore.Store) {
	for _, from := range []uint64{0, 3} {
		_, err := s.ReadStream(t.Context(), newPrefix()+"missing", from, 0)
		if !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Errorf("from %d: error %v, want ErrStreamNotFound", from, err)
		}
	}
}

// testEventRoundTrip reads back what was appended, by ReadStream and by
// Follow, field by field.
func testEventRoundTrip(t *testing.T, s eventstore.Store) {
	stream := newPrefix() + "customer-1"
	meta, err := json.Marshal(eventstore.Metadata{
		SchemaVersion: 2, CorrelationID: uuid.NewString(), CausationID: uuid.NewString(),
		UserID: "user-7", OrgID: "org-3",
	})
	if err != nil {
		t.Fatal(err)
	}
	sent := []eventstore.EventData{
		{ID: uuid.Must(uuid.NewV7()), Type: "CustomerCreated", Data: []byte(`{"name":"Ada Lovelace","vat":"GB123456789","tags":["ä","€"]}`), Metadata: meta},
		{ID: uuid.Must(uuid.NewV7()), Type: "CustomerRenamed", Data: []byte(`{"name":"Ada King"}`), Metadata: []byte(`{"schema_version":1}`)},
	}
	before := time.Now()
	res := mustAppend(t, s, stream, eventstore.NoStream, sent...)
	after := time.Now()

	stored := mustRead(t, s, stream)
	wantIDs(t, stored, sent...)
	for i, e := range stored {
		d := sent[i]
		if e.Stream != stream || e.Revision != uint64(i) || e.Type != d.Type ||
			!bytes.Equal(e.Data, d.Data) || !bytes.Equal(e.Metadata, d.Metadata) {
			t.Errorf("event %d: stored %+v, sent %+v", i, e, d)
		}
		// A server's clock may differ from ours a little.
		if e.Created.Before(before.Add(-time.Minute)) || e.Created.After(after.Add(time.Minute)) {
			t.Errorf("event %d: created %s, appended between %s and %s", i, e.Created, before, after)
		}
	}
	if stored[1].Position != res.Position {
		t.Errorf("last event at %s, WriteResult says %s", stored[1].Position, res.Position)
	}

	followed := startFollow(t, s, eventstore.Start, stream).take(t, len(sent))
	for i, e := range followed {
		if !sameEvent(e, stored[i]) {
			t.Errorf("event %d: followed %+v, read %+v", i, e, stored[i])
		}
	}
}

func sameEvent(a, b eventstore.RecordedEvent) bool {
	return a.ID == b.ID && a.Stream == b.Stream && a.Revision == b.Revision && a.Position == b.Position &&
		a.Type == b.Type && bytes.Equal(a.Data, b.Data) && bytes.Equal(a.Metadata, b.Metadata) &&
		a.Created.Equal(b.Created)
}
