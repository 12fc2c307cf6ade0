package nats

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamConfig describes the JetStream stream holding the service's events.
type StreamConfig struct {
	Name          string // CUSTOMER_EVENTS
	SubjectPrefix string // customers.events; the stream takes <prefix>.>
	// Duplicates is how long JetStream remembers message IDs to drop a
	// re-published copy. It must outlast the relay's re-publishing.
	Duplicates time.Duration
	Replicas   int
}

// Validate returns every problem of the configuration.
func (c StreamConfig) Validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("stream name is empty"))
	}
	if c.SubjectPrefix == "" {
		errs = append(errs, errors.New("subject prefix is empty"))
	}
	if c.Duplicates < time.Second {
		errs = append(errs, errors.New("duplicate window under 1s"))
	}
	return errors.Join(errs...)
}

// EnsureStream creates the stream or updates its configuration. It runs
// once at start-up; publishes do not provision anything.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.Name,
		Description: "customersvc domain events",
		Subjects:    []string{cfg.SubjectPrefix + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Duplicates:  cfg.Duplicates,
		Replicas:    max(cfg.Replicas, 1),
	})
	if err != nil {
		return fmt.Errorf("provision stream %s: %w", cfg.Name, err)
	}
	return nil
}
