package nats

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// ConsumerPending is how many messages the durable consumer of stream has
// not yet delivered or had acknowledged: zero when it has caught up.
func ConsumerPending(ctx context.Context, js jetstream.JetStream, stream, durable string) (uint64, error) {
	c, err := js.PushConsumer(ctx, stream, durable)
	if err != nil {
		return 0, fmt.Errorf("consumer %s: %w", durable, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("consumer %s: %w", durable, err)
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}
