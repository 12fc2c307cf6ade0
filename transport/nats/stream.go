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
	// MaxAge and MaxBytes bound what the stream keeps: past either, the
	// oldest events go first. Zero keeps them without that bound. The event
	// store stays the record; the stream serves subscribers that keep up,
	// and replays that reach back within its limits.
	MaxAge   time.Duration
	MaxBytes int64
	// Compress stores the stream's blocks compressed (S2). Subscribers see
	// the same messages; MaxBytes still counts them uncompressed.
	Compress bool
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
	if c.MaxAge < 0 || c.MaxBytes < 0 {
		errs = append(errs, errors.New("negative retention limit"))
	}
	if c.MaxAge > 0 && c.MaxAge < c.Duplicates {
		errs = append(errs, errors.New("retention age shorter than the duplicate window"))
	}
	return errors.Join(errs...)
}

// EnsureStream creates the stream or updates its configuration. It runs
// once at start-up; publishes do not provision anything.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	compression := jetstream.NoCompression
	if cfg.Compress {
		compression = jetstream.S2Compression
	}
	maxBytes := cfg.MaxBytes
	if maxBytes == 0 {
		maxBytes = -1 // JetStream's "no limit"
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.Name,
		Description: "customersvc domain events",
		Subjects:    []string{cfg.SubjectPrefix + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      cfg.MaxAge,
		MaxBytes:    maxBytes,
		Compression: compression,
		Duplicates:  cfg.Duplicates,
		Replicas:    max(cfg.Replicas, 1),
	})
	if err != nil {
		return fmt.Errorf("provision stream %s: %w", cfg.Name, err)
	}
	return nil
}
