package nats_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	natsx "github.com/customersvc/customersvc/transport/nats"
)

// TestRedeliverPendingAfterCrash: a subscriber takes messages and dies
// without acknowledging them (its connection closes, as a SIGKILL closes
// it). The next subscriber on the same durable consumer, after
// RedeliverPending, gets those messages at once, first and in stream
// order, and then the rest: not after the consumer's 30 s AckWait behind
// the newer ones (issue 14).
func TestRedeliverPendingAfterCrash(t *testing.T) {
	t.Parallel()
	ns, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: filepath.Join(t.TempDir(), "nats")})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	nc, err := natsx.Connector{Embedded: ns}.Connect("test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	const stream, durable, total = "EVENTS", "projection-test", 40
	if err := natsx.EnsureStream(t.Context(), js, natsx.StreamConfig{Name: stream, SubjectPrefix: "customers.events", Duplicates: time.Minute}); err != nil {
		t.Fatal(err)
	}
	// Nothing to do before the consumer exists.
	if n, err := natsx.RedeliverPending(t.Context(), js, stream, durable); err != nil || n != 0 {
		t.Fatalf("no consumer yet: %d pending, %v", n, err)
	}
	for i := range total {
		if _, err := js.Publish(t.Context(), "customers.events.c"+strconv.Itoa(i), []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	// The first run takes a few messages and dies with them in hand.
	crashed, err := natsx.Connector{Embedded: ns}.Connect("crashed")
	if err != nil {
		t.Fatal(err)
	}
	first := receive(t, crashed, stream, durable)
	select {
	case <-first: // never acknowledged, nor the others delivered behind it
	case <-time.After(10 * time.Second):
		t.Fatal("the first run received nothing")
	}
	crashed.Close()
	c, err := js.PushConsumer(t.Context(), stream, durable)
	if err != nil {
		t.Fatal(err)
	}
	if c.CachedInfo().NumAckPending == 0 {
		t.Fatal("the crashed run left nothing pending; the test proves nothing")
	}

	n, err := natsx.RedeliverPending(t.Context(), js, stream, durable)
	if err != nil || n == 0 {
		t.Fatalf("RedeliverPending: %d pending, %v", n, err)
	}
	next, err := natsx.Connector{Embedded: ns}.Connect("restarted")
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	msgs := receive(t, next, stream, durable)
	seen := map[int]bool{}
	deadline := time.After(5 * time.Second) // well under the 30 s AckWait
	for want := 0; len(seen) < total; want++ {
		select {
		case m := <-msgs:
			i, _ := strconv.Atoi(string(m.Payload))
			// One subscription handles one message at a time here, so the
			// order is the stream's: the crashed run's messages first.
			if i != want && !seen[i] {
				t.Errorf("got message %d, want %d: the crashed run's messages did not come first, in order", i, want)
			}
			seen[i] = true
			m.Ack()
		case <-deadline:
			t.Fatalf("after the restart, %d of %d messages within 5 s: the pending ones wait for the ack wait", len(seen), total)
		}
	}
}

// receive subscribes to the durable consumer with the projectors'
// settings, one message in hand at a time (so up to four delivered).
func receive(t *testing.T, nc *nats.Conn, stream, durable string) <-chan *message.Message {
	t.Helper()
	sub, err := natsx.NewSubscriber(nc, natsx.SubscriberConfig{Stream: stream, Durable: durable, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	msgs, err := sub.Subscribe(ctx, "customers.events.>")
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}
