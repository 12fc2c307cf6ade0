package command

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/domain"
)

// idempotencyNamespace scopes the customer IDs derived from idempotency keys.
var idempotencyNamespace = uuid.MustParse("6f1c5a52-8d8e-4d0c-9a43-2b7e4c1f0a11")

// IdempotencyKeyReusedError says an idempotency key came back with other
// content than the first time.
type IdempotencyKeyReusedError struct {
	Key string
}

func (e IdempotencyKeyReusedError) Error() string {
	return "idempotency key reused with different content"
}

// customerID is a new time-ordered ID, or, under an idempotency key, the ID
// derived from the organization and the key: every retry then aims at the
// same stream, and the "no stream" append lets only the first one write.
func customerID(cmd CreateCustomer) (uuid.UUID, error) {
	if cmd.IdempotencyKey != "" {
		return uuid.NewSHA1(idempotencyNamespace, []byte(cmd.Actor.OrganizationID+"\x00"+cmd.IdempotencyKey)), nil
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.UUID{}, fmt.Errorf("customer id: %w", err)
	}
	return id, nil
}

// requestHash fingerprints the command's content. custom_data is compared
// as JSON values, so key order and spacing do not matter.
func requestHash(cmd CreateCustomer) string {
	var customData any
	dec := json.NewDecoder(bytes.NewReader(cmd.CustomData))
	dec.UseNumber()
	_ = dec.Decode(&customData) // the edge has validated it; a failure hashes as null
	canonical, _ := json.Marshal([]any{cmd.Name, cmd.Description, customData, cmd.VAT})
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

// replay answers a retried command with the customer its first attempt
// created, or IdempotencyKeyReusedError when the content differs. The first
// attempt may still be writing its customer stream (stores without atomic
// multi-stream appends); replay waits for it within ctx.
func (h *CreateCustomerHandler) replay(ctx context.Context, id, key, hash string) (CreatedCustomer, error) {
	for {
		events, err := h.store.ReadStream(ctx, customerStream(id), 0, 1)
		if err == nil && len(events) > 0 {
			return replayOf(events[0], key, hash)
		}
		if err != nil && !isNotFound(err) {
			return CreatedCustomer{}, err
		}
		if !sleepCtx(ctx, 5*time.Millisecond) {
			return CreatedCustomer{}, fmt.Errorf("replay %s: %w", id, ctx.Err())
		}
	}
}

func replayOf(first eventstore.RecordedEvent, key, hash string) (CreatedCustomer, error) {
	var meta eventstore.Metadata
	if err := json.Unmarshal(first.Metadata, &meta); err != nil {
		return CreatedCustomer{}, fmt.Errorf("decode metadata of %s: %w", first.ID, err)
	}
	if meta.RequestHash != hash {
		return CreatedCustomer{}, IdempotencyKeyReusedError{Key: key}
	}
	event, err := DecodeRecorded(first)
	if err != nil {
		return CreatedCustomer{}, err
	}
	created, ok := event.(domain.CustomerCreated)
	if !ok {
		return CreatedCustomer{}, fmt.Errorf("stream of %s starts with %s", first.Stream, event.EventType())
	}
	return CreatedCustomer{CustomerCreated: created, Position: first.Position, Replayed: true}, nil
}

func isNotFound(err error) bool { return errors.Is(err, eventstore.ErrStreamNotFound) }

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
