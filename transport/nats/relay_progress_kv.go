package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/customersvc/customersvc/command/eventstore"
)

// ProgressKVConfig configures a ProgressKV.
type ProgressKVConfig struct {
	// Bucket holds the progress, e.g. CUSTOMER_EVENTS_RELAY: named after
	// the event stream, so deployments sharing a NATS keep apart.
	Bucket string
	// Stream is the event stream the relay publishes to; its last message
	// tells where the relay got to when the bucket holds nothing.
	Stream          string
	SubjectPrefix   string // of the events on Stream
	RepublishWindow time.Duration
	Replicas        int // copies of the bucket in a NATS cluster (default 1)
	// Former, if not nil, is the progress this instance kept before the
	// bucket existed (a progress file): read once, when the bucket is empty.
	Former RelayProgress
}

// ProgressKV keeps the relay's progress in a JetStream key-value bucket, so
// that every replica resumes where the last leader stopped: a replica
// started on an empty volume publishes nothing again beyond the republish
// window. Only the replica holding the relay lease saves, and a save is
// refused once another replica has saved since this one loaded
// (ErrProgressTaken), so a deposed leader cannot move it back.
//
// Load also reads the log position of the stream's last message and
// resumes from there when that is earlier than the saved progress: the
// stream lost its tail (a NATS restored from a backup, or a single server
// that lost what it had not yet written), and the lost events are
// published again. With an empty bucket (the first start with replicas,
// an upgrade) it resumes from that last message too, rather than from the
// start of the log. The position on the stream is only the commit part;
// resuming after it suits logs whose appends hold one event, as this
// service's do.
type ProgressKV struct {
	kv     jetstream.KeyValue
	js     jetstream.JetStream
	cfg    ProgressKVConfig
	former RelayProgress
	// rev is the revision of the key as Load read it or Save last wrote
	// it, 0 for none: a save on another revision means another replica
	// has saved meanwhile, and is refused.
	rev uint64
	progressHistory
}

// ErrProgressTaken says another replica saved the relay's progress since
// this one read it: this one no longer leads, and must not move it back.
var ErrProgressTaken = errors.New("relay progress: saved by another replica meanwhile")

// progressKey is the bucket's one key.
const progressKey = "relay"

// kvTimeout bounds each call of Load and Save to the bucket.
const kvTimeout = 10 * time.Second

// NewProgressKV creates the bucket if needed.
func NewProgressKV(ctx context.Context, js jetstream.JetStream, cfg ProgressKVConfig) (*ProgressKV, error) {
	if cfg.Bucket == "" || cfg.Stream == "" || cfg.SubjectPrefix == "" {
		return nil, errors.New("relay progress: bucket, stream or subject prefix is empty")
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: cfg.Bucket, Description: "relay progress", History: 1,
		Storage: jetstream.FileStorage, Replicas: max(cfg.Replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("relay progress bucket %s: %w", cfg.Bucket, err)
	}
	return &ProgressKV{kv: kv, js: js, cfg: cfg, former: cfg.Former, progressHistory: newProgressHistory(cfg.RepublishWindow)}, nil
}

// Load returns where the relay resumes: the saved progress less the
// republish window, or the stream's last message when that is earlier or
// nothing is saved.
func (p *ProgressKV) Load() (eventstore.Position, error) {
	ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
	defer cancel()
	saved, found, err := p.loadSaved(ctx)
	if err != nil {
		return eventstore.Start, err
	}
	last, onStream, err := p.lastOnStream(ctx)
	if err != nil {
		return eventstore.Start, err
	}
	switch {
	case onStream && !found:
		return last, nil
	case onStream && last.Less(saved):
		return last, nil // the stream lost events the progress counts
	case found:
		return saved, nil
	}
	return eventstore.Start, nil
}

// loadSaved reads the saved progress: the bucket's, or else the former
// progress file's when the stream holds nothing later (an old file must
// not take the relay back before what the stream already has).
func (p *ProgressKV) loadSaved(ctx context.Context) (eventstore.Position, bool, error) {
	e, err := p.kv.Get(ctx, progressKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		p.rev = 0
		return p.loadFormer(ctx)
	}
	if err != nil {
		return eventstore.Start, false, fmt.Errorf("relay progress: %w", err)
	}
	p.rev = e.Revision()
	at, err := p.resume(e.Value())
	if err != nil {
		return eventstore.Start, false, fmt.Errorf("relay progress in %s: %w", p.cfg.Bucket, err)
	}
	return at, true, nil
}

func (p *ProgressKV) loadFormer(ctx context.Context) (eventstore.Position, bool, error) {
	if p.former == nil {
		return eventstore.Start, false, nil
	}
	at, err := p.former.Load()
	if err != nil || at == eventstore.Start {
		return eventstore.Start, false, err
	}
	last, onStream, err := p.lastOnStream(ctx)
	if err != nil {
		return eventstore.Start, false, err
	}
	if onStream && at.Less(last) {
		return last, true, nil
	}
	return at, true, nil
}

// lastOnStream returns the log position of the stream's last message, and
// false when the stream is empty or that message has no position.
func (p *ProgressKV) lastOnStream(ctx context.Context) (eventstore.Position, bool, error) {
	commit, err := LastLogPosition(ctx, p.js, p.cfg.Stream, p.cfg.SubjectPrefix)
	if err != nil {
		return eventstore.Start, false, fmt.Errorf("relay progress: %w", err)
	}
	return eventstore.Position{Commit: commit, Prepare: commit}, commit > 0, nil
}

// LastLogPosition returns the event store log position (its commit part)
// of the last event on the stream, 0 when there is none.
func LastLogPosition(ctx context.Context, js jetstream.JetStream, stream, subjectPrefix string) (uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", stream, err)
	}
	msg, err := s.GetLastMsgForSubject(ctx, subjectPrefix+".>")
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil // an empty stream
	}
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", stream, err)
	}
	commit, err := strconv.ParseUint(msg.Header.Get(HeaderLogPosition), 10, 64)
	if err != nil {
		return 0, nil // not an event the relay published
	}
	return commit, nil
}

// Save stores at as the latest position.
func (p *ProgressKV) Save(at eventstore.Position) error {
	doc, err := p.record(at)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
	defer cancel()
	var rev uint64
	if p.rev == 0 {
		rev, err = p.kv.Create(ctx, progressKey, doc)
	} else {
		rev, err = p.kv.Update(ctx, progressKey, doc, p.rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) {
		return ErrProgressTaken
	}
	if err != nil {
		return fmt.Errorf("relay progress: %w", err)
	}
	p.rev = rev
	return nil
}
