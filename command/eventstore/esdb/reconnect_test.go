package esdb_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/esdb/esdbtest"
)

// TestStoreOutlivesServerOutage stops the server long enough for the
// client to give up for good, then starts one at the same address: calls
// must fail meanwhile and work again afterwards, and a Follow started
// while the server was away must subscribe once it is back.
func TestStoreOutlivesServerOutage(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	addr := srv.Addr()
	// Two quick discovery attempts make the client give up at once.
	s := openStore(t, srv.URL()+"&maxDiscoverAttempts=2&discoveryInterval=10")
	if _, err := s.Append(t.Context(), "before-"+uuid.NewString(), eventstore.NoStream, newEvent()); err != nil {
		t.Fatal(err)
	}

	srv.Close()
	// The first call finds the connection broken, the second gives up
	// discovering, the third finds the client closed.
	for i := range 3 {
		if err := s.Ping(t.Context()); err == nil {
			t.Fatalf("Ping %d answered without a server", i)
		}
	}

	// An append that finds no server is unavailable, which the API
	// answers with 503: nothing was stored.
	if _, err := s.Append(t.Context(), "during-"+uuid.NewString(), eventstore.NoStream, newEvent()); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("append without a server: %v; want ErrUnavailable", err)
	}

	prefix := "after-" + uuid.NewString()
	f := startFollow(t, s, eventstore.Start, prefix)

	restarted, err := esdbtest.StartAt(addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	t.Cleanup(restarted.Close)
	deadline := time.Now().Add(waitTimeout)
	for {
		err := s.Ping(t.Context())
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ping still failing %s after the server came back: %v", waitTimeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	stream := prefix + "-s"
	e := newEvent()
	if _, err := s.Append(t.Context(), stream, eventstore.NoStream, e); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadStream(t.Context(), stream, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, got, []eventstore.EventData{e})
	wantIDs(t, f.events(t, eventstore.Start, 1), []eventstore.EventData{e})
}
