package nats

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// BatchPublisher publishes batches to one JetStream stream asynchronously:
// every message of a batch is sent without waiting, then the acks are
// collected. The Nats-Msg-Id header each message carries lets JetStream
// drop a copy that a retry sends again.
type BatchPublisher struct {
	js     jetstream.JetStream
	stream string
}

// NewBatchPublisher returns a publisher over nc into stream.
func NewBatchPublisher(nc *nats.Conn, stream string) (*BatchPublisher, error) {
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(4096),
		jetstream.WithPublishAsyncTimeout(10*time.Second))
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &BatchPublisher{js: js, stream: stream}, nil
}

// PublishBatch sends msgs and waits until JetStream acknowledged all.
func (p *BatchPublisher) PublishBatch(ctx context.Context, msgs []*nats.Msg) error {
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	for _, m := range msgs {
		f, err := p.js.PublishMsgAsync(m, jetstream.WithExpectStream(p.stream))
		if err != nil {
			return fmt.Errorf("publish %s: %w", m.Subject, err)
		}
		futures = append(futures, f)
	}
	var failed int
	var first error
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			failed++
			first = cmp.Or(first, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d publishes failed, the first with: %w", failed, len(futures), first)
	}
	return nil
}

// JetStream is the JetStream context the publisher uses.
func (p *BatchPublisher) JetStream() jetstream.JetStream { return p.js }
