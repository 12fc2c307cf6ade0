package nats_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/customersvc/customersvc/command/eventstore"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// TestProgressKVIsSharedAndFollowsTheStream: a second replica resumes
// where the first saved; with nothing saved it resumes after the stream's
// last event rather than from the start of the log; and when the stream
// holds less than the saved progress says (NATS lost its tail), it resumes
// from the stream's last event, so the lost events are published again.
func TestProgressKVIsSharedAndFollowsTheStream(t *testing.T) {
	for name, b := range brokers(t) {
		t.Run(name, func(t *testing.T) {
			stream, bucket, prefix := b.prefix+"_"+name+"_EVENTS", b.prefix+"_"+name+"_RELAY", b.prefix+"."+name+".events"
			js := jetStreamOf(t, b.connect(t))
			removeAfter(t, js, []string{bucket}, []string{stream})
			if err := natsx.EnsureStream(t.Context(), js, natsx.StreamConfig{Name: stream, SubjectPrefix: prefix, Duplicates: time.Minute}); err != nil {
				t.Fatal(err)
			}
			open := func(t *testing.T, former natsx.RelayProgress) *natsx.ProgressKV {
				t.Helper()
				p, err := natsx.NewProgressKV(t.Context(), jetStreamOf(t, b.connect(t)), natsx.ProgressKVConfig{Bucket: bucket, Stream: stream, SubjectPrefix: prefix, Former: former})
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			load := func(t *testing.T, p *natsx.ProgressKV, want uint64) {
				t.Helper()
				if got, err := p.Load(); err != nil || got != (eventstore.Position{Commit: want, Prepare: want}) {
					t.Fatalf("resumes at %v (%v), want %d", got, err, want)
				}
			}

			first := open(t, nil)
			load(t, first, 0) // nothing saved, nothing published

			// An instance upgraded to replicas resumes from its progress file.
			file, err := natsx.NewProgressFile(t.TempDir(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := file.Save(eventstore.Position{Commit: 3, Prepare: 3}); err != nil {
				t.Fatal(err)
			}
			load(t, open(t, file), 3)

			// Nothing saved but events on the stream: after the last one,
			// also when an old progress file says less.
			publishAt(t, js, prefix, 5)
			load(t, open(t, nil), 5)
			load(t, open(t, file), 5)

			// What one replica saves, another resumes from.
			publishAt(t, js, prefix, 12)
			if err := first.Save(eventstore.Position{Commit: 12, Prepare: 12}); err != nil {
				t.Fatal(err)
			}
			next := open(t, nil)
			load(t, next, 12)

			// The former leader, deposed, cannot move the progress back
			// once the new one has saved.
			publishAt(t, js, prefix, 14)
			if err := next.Save(eventstore.Position{Commit: 14, Prepare: 14}); err != nil {
				t.Fatal(err)
			}
			if err := first.Save(eventstore.Position{Commit: 13, Prepare: 13}); !errors.Is(err, natsx.ErrProgressTaken) {
				t.Fatalf("a deposed leader's save: %v, want ErrProgressTaken", err)
			}
			load(t, open(t, nil), 14)

			// Saved ahead of the stream (a NATS restored from a backup that
			// holds events up to 5): resume after 5.
			if err := js.DeleteStream(t.Context(), stream); err != nil {
				t.Fatal(err)
			}
			if err := natsx.EnsureStream(t.Context(), js, natsx.StreamConfig{Name: stream, SubjectPrefix: prefix, Duplicates: time.Minute}); err != nil {
				t.Fatal(err)
			}
			publishAt(t, js, prefix, 5)
			load(t, open(t, nil), 5)
		})
	}
}

// publishAt puts an event message with the log position at on the stream.
func publishAt(t *testing.T, js jetstream.JetStream, prefix string, at uint64) {
	t.Helper()
	msg := nats.NewMsg(prefix + ".created")
	msg.Header.Set(natsx.HeaderLogPosition, strconv.FormatUint(at, 10))
	msg.Header.Set(natsx.HeaderMsgID, "event-at-"+strconv.FormatUint(at, 10))
	msg.Data = []byte(`{}`)
	if _, err := js.PublishMsg(t.Context(), msg); err != nil {
		t.Fatal(err)
	}
}
