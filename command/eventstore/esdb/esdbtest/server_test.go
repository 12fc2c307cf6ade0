package esdbtest_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore/esdb/esdbtest"
)

// The adapter's contract tests in package esdb exercise most of the
// double; these tests cover what the adapter does not use.

func connect(t *testing.T) (*esdbtest.Server, *esdbclient.Client) {
	t.Helper()
	srv, err := esdbtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	conf, err := esdbclient.ParseConnectionString(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	conf.Logger = esdbclient.NoopLogging()
	c, err := esdbclient.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return srv, c
}

func appendEvents(t *testing.T, c *esdbclient.Client, stream string, n int) *esdbclient.WriteResult {
	t.Helper()
	events := make([]esdbclient.EventData, n)
	for i := range events {
		events[i] = esdbclient.EventData{EventID: uuid.New(), EventType: fmt.Sprintf("T%d", i), ContentType: esdbclient.ContentTypeJson, Data: []byte(`{}`)}
	}
	res, err := c.AppendToStream(t.Context(), stream, esdbclient.AppendToStreamOptions{}, events...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func readStream(t *testing.T, c *esdbclient.Client, stream string, opts esdbclient.ReadStreamOptions, count uint64) []*esdbclient.RecordedEvent {
	t.Helper()
	rs, err := c.ReadStream(t.Context(), stream, opts, count)
	if err != nil {
		t.Fatal(err)
	}
	return collect(t, rs)
}

func readAll(t *testing.T, c *esdbclient.Client, opts esdbclient.ReadAllOptions, count uint64) []*esdbclient.RecordedEvent {
	t.Helper()
	rs, err := c.ReadAll(t.Context(), opts, count)
	if err != nil {
		t.Fatal(err)
	}
	return collect(t, rs)
}

func collect(t *testing.T, rs *esdbclient.ReadStream) []*esdbclient.RecordedEvent {
	t.Helper()
	defer rs.Close()
	var events []*esdbclient.RecordedEvent
	for {
		e, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return events
		}
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e.Event)
	}
}

func revisions(events []*esdbclient.RecordedEvent) []uint64 {
	revs := make([]uint64, len(events))
	for i, e := range events {
		revs[i] = e.EventNumber
	}
	return revs
}

func TestReadBackwards(t *testing.T) {
	t.Parallel()
	_, c := connect(t)
	appendEvents(t, c, "a", 3)
	last := appendEvents(t, c, "b", 1)

	back := readStream(t, c, "a", esdbclient.ReadStreamOptions{Direction: esdbclient.Backwards, From: esdbclient.End{}}, 2)
	if got := fmt.Sprint(revisions(back)); got != "[2 1]" {
		t.Errorf("stream backwards from the end: revisions %s, want [2 1]", got)
	}
	back = readStream(t, c, "a", esdbclient.ReadStreamOptions{Direction: esdbclient.Backwards, From: esdbclient.Revision(1)}, 5)
	if got := fmt.Sprint(revisions(back)); got != "[1 0]" {
		t.Errorf("stream backwards from 1: revisions %s, want [1 0]", got)
	}
	head := readAll(t, c, esdbclient.ReadAllOptions{Direction: esdbclient.Backwards, From: esdbclient.End{}}, 1)
	if len(head) != 1 || head[0].StreamID != "b" || head[0].Position.Commit != last.CommitPosition {
		t.Errorf("$all backwards from the end: %+v, want the event at %d", head, last.CommitPosition)
	}
}

// TestFilteredSubscriptionCheckpoints subscribes with a filter that
// matches nothing: a checkpoint must come after every window ×
// multiplier events, and one at the last event when caught up.
func TestFilteredSubscriptionCheckpoints(t *testing.T) {
	t.Parallel()
	_, c := connect(t)
	appendEvents(t, c, "skipped", 9)
	events := readStream(t, c, "skipped", esdbclient.ReadStreamOptions{}, 9)
	sub, err := c.SubscribeToAll(t.Context(), esdbclient.SubscribeToAllOptions{
		From:               esdbclient.Start{},
		Filter:             &esdbclient.SubscriptionFilter{Type: esdbclient.StreamFilterType, Prefixes: []string{"wanted"}},
		MaxSearchWindow:    2,
		CheckpointInterval: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for _, want := range []uint64{events[3].Position.Commit, events[7].Position.Commit, events[8].Position.Commit} {
		m := sub.Recv()
		if m.CheckPointReached == nil || m.CheckPointReached.Commit != want {
			t.Fatalf("got %+v, want a checkpoint at %d", m, want)
		}
	}
	if m := sub.Recv(); m.CaughtUp == nil {
		t.Fatalf("got %+v, want CaughtUp", m)
	}
}

// TestStreamSubscription subscribes to a stream after a revision and gets
// the rest, then new events, and nothing of other streams.
func TestStreamSubscription(t *testing.T) {
	t.Parallel()
	srv, c := connect(t)
	appendEvents(t, c, "s", 3)
	sub, err := c.SubscribeToStream(t.Context(), "s", esdbclient.SubscribeToStreamOptions{From: esdbclient.Revision(0)})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	appendEvents(t, c, "other", 1)
	appendEvents(t, c, "s", 1)
	var got []uint64
	for len(got) < 3 {
		m := sub.Recv()
		switch {
		case m.EventAppeared != nil:
			got = append(got, m.EventAppeared.Event.EventNumber)
		case m.SubscriptionDropped != nil:
			t.Fatalf("dropped: %v", m.SubscriptionDropped.Error)
		}
	}
	if fmt.Sprint(got) != "[1 2 3]" {
		t.Errorf("revisions %v, want [1 2 3]", got)
	}
	if n := srv.DropSubscriptions(); n != 1 {
		t.Errorf("dropped %d subscriptions, want 1", n)
	}
	for m := sub.Recv(); m.SubscriptionDropped == nil; m = sub.Recv() {
		if m.EventAppeared != nil {
			t.Fatalf("event %+v after the drop", m.EventAppeared.Event)
		}
	}
}
