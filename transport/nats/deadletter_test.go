package nats_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go/jetstream"

	natsx "github.com/customersvc/customersvc/transport/nats"
)

// deadLetterConfigFor is a dead-letter stream whose names are unique to the
// test, since an external server is shared.
func deadLetterConfigFor(t *testing.T, b broker, js jetstream.JetStream) natsx.DeadLetterConfig {
	name := b.prefix + "_" + fmt.Sprintf("%x", time.Now().UnixNano()) + "_DEADLETTER"
	removeAfter(t, js, nil, []string{name})
	return natsx.DeadLetterConfig{Stream: name, Subject: "deadletter." + name}
}

func deadLetterStreamConfig(t *testing.T, js jetstream.JetStream, name string) jetstream.StreamConfig {
	t.Helper()
	s, err := js.Stream(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.Config
}

// TestDeadLettersApplyRetentionLimits: a new dead-letter stream gets the
// limits, one created as an earlier version did (none) takes them on the
// next start, a later start with other limits changes them, and zero
// lifts them. On the embedded server and the machine's NATS (with a small
// byte limit, which a shared server's store can reserve).
func TestDeadLettersApplyRetentionLimits(t *testing.T) {
	t.Parallel()
	for name, b := range brokers(t) {
		t.Run(name, func(t *testing.T) {
			js := jetStreamOf(t, b.connect(t))
			ctx := t.Context()
			limits := func(c natsx.DeadLetterConfig) natsx.DeadLetterConfig {
				c.MaxAge, c.MaxBytes, c.MaxMsgs = 30*24*time.Hour, 1<<20, 1000
				return c
			}
			check := func(what, stream string, age time.Duration, bytes, msgs int64) {
				t.Helper()
				got := deadLetterStreamConfig(t, js, stream)
				if got.MaxAge != age || got.MaxBytes != bytes || got.MaxMsgs != msgs || got.Discard != jetstream.DiscardOld {
					t.Errorf("%s: max age %s, max bytes %d, max msgs %d, discard %s; want %s, %d, %d, old",
						what, got.MaxAge, got.MaxBytes, got.MaxMsgs, got.Discard, age, bytes, msgs)
				}
			}

			fresh := limits(deadLetterConfigFor(t, b, js))
			if _, err := natsx.NewDeadLetters(ctx, js, fresh); err != nil {
				t.Fatal(err)
			}
			check("new stream", fresh.Stream, 30*24*time.Hour, 1<<20, 1000)

			// As the version before the limits provisioned it.
			old := deadLetterConfigFor(t, b, js)
			if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: old.Stream, Subjects: []string{old.Subject},
				Storage: jetstream.FileStorage, Retention: jetstream.LimitsPolicy}); err != nil {
				t.Fatal(err)
			}
			check("stream of an earlier version", old.Stream, 0, -1, -1)
			if _, err := natsx.NewDeadLetters(ctx, js, limits(old)); err != nil {
				t.Fatal(err)
			}
			check("existing stream", old.Stream, 30*24*time.Hour, 1<<20, 1000)

			changed := old
			changed.MaxAge, changed.MaxBytes, changed.MaxMsgs = time.Hour, 512<<10, 10
			if _, err := natsx.NewDeadLetters(ctx, js, changed); err != nil {
				t.Fatal(err)
			}
			check("changed limits", old.Stream, time.Hour, 512<<10, 10)
			if _, err := natsx.NewDeadLetters(ctx, js, old); err != nil {
				t.Fatal(err)
			}
			check("limits lifted", old.Stream, 0, -1, -1)

			bad := old
			bad.MaxBytes = -5
			if _, err := natsx.NewDeadLetters(ctx, js, bad); err == nil {
				t.Error("a negative limit was accepted")
			}
		})
	}
}

func park(t *testing.T, dl *natsx.DeadLetters, n int) {
	t.Helper()
	for i := range n {
		msg := message.NewMessage(fmt.Sprintf("event-%d", i), []byte(`{"customer_id":"c"}`))
		msg.Metadata.Set(natsx.HeaderType, "customersvc.customer.created")
		if err := dl.Park(t.Context(), natsx.ParkedEvent{Projection: "customers", Subject: "customers.events.created",
			Reason: "test", ParkedAt: time.Now(), Message: msg}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDeadLettersRetentionDropsTheOldest: past the message limit, the
// oldest dead letters go and parking goes on.
func TestDeadLettersRetentionDropsTheOldest(t *testing.T) {
	t.Parallel()
	b := brokers(t)["embedded"]
	js := jetStreamOf(t, b.connect(t))
	cfg := deadLetterConfigFor(t, b, js)
	cfg.MaxMsgs = 3
	dl, err := natsx.NewDeadLetters(t.Context(), js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	park(t, dl, 5)
	page, err := dl.Page(t.Context(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := sequences(page.Parked); !slices.Equal(got, []uint64{3, 4, 5}) || page.Total != 3 {
		t.Errorf("kept %v (total %d), want the last three", got, page.Total)
	}
}

func sequences(parked []natsx.Parked) []uint64 {
	seqs := make([]uint64, len(parked))
	for i, p := range parked {
		seqs[i] = p.Sequence
	}
	return seqs
}

// countingJetStream counts the messages read from streams.
type countingJetStream struct {
	jetstream.JetStream
	gets *atomic.Int64
}

func (c countingJetStream) Stream(ctx context.Context, name string) (jetstream.Stream, error) {
	s, err := c.JetStream.Stream(ctx, name)
	if err != nil {
		return nil, err
	}
	return countingStream{Stream: s, gets: c.gets}, nil
}

type countingStream struct {
	jetstream.Stream
	gets *atomic.Int64
}

func (s countingStream) GetMsg(ctx context.Context, seq uint64, opts ...jetstream.GetMsgOpt) (*jetstream.RawStreamMsg, error) {
	s.gets.Add(1)
	return s.Stream.GetMsg(ctx, seq, opts...)
}

// TestDeadLettersPage: with a page smaller than the count, following Next
// lists every dead letter exactly once, oldest first, skipping replayed
// ones, and each page reads from the stream only the messages it returns
// (and one miss at the end). On the embedded server and the machine's NATS.
func TestDeadLettersPage(t *testing.T) {
	t.Parallel()
	for name, b := range brokers(t) {
		t.Run(name, func(t *testing.T) {
			real := jetStreamOf(t, b.connect(t))
			gets := new(atomic.Int64)
			js := countingJetStream{JetStream: real, gets: gets}
			cfg := deadLetterConfigFor(t, b, real)
			dl, err := natsx.NewDeadLetters(t.Context(), js, cfg)
			if err != nil {
				t.Fatal(err)
			}
			park(t, dl, 9)
			s, err := real.Stream(t.Context(), cfg.Stream)
			if err != nil {
				t.Fatal(err)
			}
			for _, seq := range []uint64{3, 4, 9} { // replayed or dropped
				if err := s.DeleteMsg(t.Context(), seq); err != nil {
					t.Fatal(err)
				}
			}
			var seen []uint64
			var after uint64
			for pages := 0; ; pages++ {
				if pages > 5 {
					t.Fatalf("no end: %v", seen)
				}
				before := gets.Load()
				page, err := dl.Page(t.Context(), after, 2)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Parked) > 2 || page.Total != 6 {
					t.Fatalf("page after %d: %d dead letters, total %d", after, len(page.Parked), page.Total)
				}
				if read := gets.Load() - before; read > int64(len(page.Parked))+1 || (len(page.Parked) == 2 && read != 2) {
					t.Errorf("page after %d of %d read %d messages", after, len(page.Parked), read)
				}
				for _, p := range page.Parked {
					if p.EventID == "" || p.Reason != "test" || p.Projection != "customers" {
						t.Errorf("dead letter %d: %+v", p.Sequence, p)
					}
				}
				seen = append(seen, sequences(page.Parked)...)
				if page.Next == 0 {
					break
				}
				after = page.Next
			}
			if want := []uint64{1, 2, 5, 6, 7, 8}; !slices.Equal(seen, want) {
				t.Errorf("listed %v, want %v", seen, want)
			}
		})
	}
}

// fakeJetStream serves a dead-letter stream of count messages that exist
// only when read, to show what a page reads.
type fakeJetStream struct {
	jetstream.JetStream
	stream *fakeStream
}

func (f fakeJetStream) CreateOrUpdateStream(context.Context, jetstream.StreamConfig) (jetstream.Stream, error) {
	return f.stream, nil
}

func (f fakeJetStream) Stream(context.Context, string) (jetstream.Stream, error) {
	return f.stream, nil
}

type fakeStream struct {
	jetstream.Stream
	count uint64
	read  []uint64
}

func (f *fakeStream) GetMsg(_ context.Context, seq uint64, _ ...jetstream.GetMsgOpt) (*jetstream.RawStreamMsg, error) {
	f.read = append(f.read, seq)
	if seq > f.count {
		return nil, jetstream.ErrMsgNotFound
	}
	return &jetstream.RawStreamMsg{Sequence: seq, Data: make([]byte, 1<<20)}, nil
}

func (f *fakeStream) Info(context.Context, ...jetstream.StreamInfoOpt) (*jetstream.StreamInfo, error) {
	return &jetstream.StreamInfo{State: jetstream.StreamState{Msgs: f.count, FirstSeq: 1, LastSeq: f.count}}, nil
}

// TestDeadLettersPageReadsOnlyThePage: of a trillion dead letters of a
// megabyte, a page of 2 reads 2, from after; past the end it reads one
// miss; a bad page size or the last possible after reads none.
func TestDeadLettersPageReadsOnlyThePage(t *testing.T) {
	t.Parallel()
	f := &fakeStream{count: 1 << 40}
	dl, err := natsx.NewDeadLetters(t.Context(), fakeJetStream{stream: f}, natsx.DeadLetterConfig{Stream: "DL", Subject: "dl"})
	if err != nil {
		t.Fatal(err)
	}
	page, err := dl.Page(t.Context(), 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.read, []uint64{1, 2}) || !slices.Equal(sequences(page.Parked), []uint64{1, 2}) || page.Next != 2 || page.Total != 1<<40 {
		t.Fatalf("first page read %v, returned %v, next %d, total %d", f.read, sequences(page.Parked), page.Next, page.Total)
	}

	f.read = nil
	page, err = dl.Page(t.Context(), 1<<40-1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.read, []uint64{1 << 40, 1<<40 + 1}) || !slices.Equal(sequences(page.Parked), []uint64{1 << 40}) || page.Next != 0 {
		t.Fatalf("last page read %v, returned %v, next %d", f.read, sequences(page.Parked), page.Next)
	}

	f.read = nil
	for _, limit := range []int{0, -1, natsx.MaxDeadLetterPage + 1} {
		if _, err := dl.Page(t.Context(), 0, limit); !errors.Is(err, natsx.ErrBadPageSize) {
			t.Errorf("limit %d: %v", limit, err)
		}
	}
	if page, err := dl.Page(t.Context(), math.MaxUint64, 5); err != nil || len(page.Parked) != 0 {
		t.Errorf("after the last sequence: %v, %v", page.Parked, err)
	}
	if len(f.read) != 0 {
		t.Errorf("read %v", f.read)
	}
}
