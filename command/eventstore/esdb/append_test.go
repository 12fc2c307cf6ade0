package esdb_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/esdb"
)

// readRaw reads a stream with the client itself, to see what the server
// stores.
func readRaw(t *testing.T, url, stream string) []esdbclient.RecordedEvent {
	t.Helper()
	conf, err := esdbclient.ParseConnectionString(url)
	if err != nil {
		t.Fatal(err)
	}
	conf.Logger = esdbclient.NoopLogging()
	c, err := esdbclient.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rs, err := c.ReadStream(t.Context(), stream, esdbclient.ReadStreamOptions{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var events []esdbclient.RecordedEvent
	for {
		e, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return events
		}
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, *e.Event)
	}
}

// TestMetadataForEventStoreDB checks that the server gets EventStoreDB's
// correlation keys beside the service's own, and that reads give back
// exactly the metadata appended.
func TestMetadataForEventStoreDB(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	s := openStore(t, srv.URL())
	stream := "meta-" + uuid.NewString()
	corr, cause := uuid.NewString(), uuid.NewString()
	meta, err := json.Marshal(eventstore.Metadata{SchemaVersion: 1, CorrelationID: corr, CausationID: cause, UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	e := newEvent()
	e.Metadata = meta
	if _, err := s.Append(t.Context(), stream, eventstore.NoStream, e); err != nil {
		t.Fatal(err)
	}

	raw := readRaw(t, srv.URL(), stream)
	var stored map[string]any
	if err := json.Unmarshal(raw[0].UserMetadata, &stored); err != nil {
		t.Fatalf("stored metadata %s: %v", raw[0].UserMetadata, err)
	}
	want := map[string]any{
		"schema_version": 1.0, "correlation_id": corr, "causation_id": cause, "user_id": "u",
		"$correlationId": corr, "$causationId": cause,
	}
	if len(stored) != len(want) {
		t.Errorf("stored metadata %s, want the keys of %v", raw[0].UserMetadata, want)
	}
	for k, v := range want {
		if stored[k] != v {
			t.Errorf("stored %s = %v, want %v", k, stored[k], v)
		}
	}
	if raw[0].ContentType != "application/json" {
		t.Errorf("content type %q, want application/json", raw[0].ContentType)
	}

	got, err := s.ReadStream(t.Context(), stream, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[0].Metadata, meta) {
		t.Errorf("read metadata %s, appended %s", got[0].Metadata, meta)
	}
}

// TestCreatedRoundTrips checks that Created is the server's creation time,
// as the client reads it.
func TestCreatedRoundTrips(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	s := openStore(t, srv.URL())
	stream := "created-" + uuid.NewString()
	before := time.Now().Truncate(100 * time.Nanosecond) // the server keeps 100-ns ticks
	if _, err := s.Append(t.Context(), stream, eventstore.NoStream, newEvent()); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	got, err := s.ReadStream(t.Context(), stream, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	created := got[0].Created
	if created.Before(before) || created.After(after) {
		t.Errorf("created %s, appended between %s and %s", created, before, after)
	}
	if raw := readRaw(t, srv.URL(), stream)[0].CreatedDate; !created.Equal(raw) {
		t.Errorf("created %s, the server says %s", created, raw)
	}
}

func TestAppendRefuses(t *testing.T) {
	t.Parallel()
	s := openStore(t, startServer(t).URL())
	tests := []struct {
		name   string
		stream string
		events []eventstore.EventData
	}{
		{"NoStreamName", "", []eventstore.EventData{newEvent()}},
		{"NoEvents", "empty", nil},
		{"NilID", "nil-id", []eventstore.EventData{{Type: "T", Data: []byte(`{}`)}}},
		{"ReservedMetadata", "reserved", []eventstore.EventData{{
			ID: uuid.New(), Type: "T", Data: []byte(`{}`), Metadata: []byte(`{"correlation_id":"a","$correlationId":"b"}`),
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := s.Append(t.Context(), tt.stream, eventstore.Any, tt.events...)
			if !errors.Is(err, esdb.ErrInvalidAppend) {
				t.Fatalf("error %v, want ErrInvalidAppend", err)
			}
			if tt.stream == "" {
				return
			}
			if _, err := s.ReadStream(t.Context(), tt.stream, 0, 0); !errors.Is(err, eventstore.ErrStreamNotFound) {
				t.Fatalf("ReadStream after refused append: %v, want ErrStreamNotFound", err)
			}
		})
	}
}
