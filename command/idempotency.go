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
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
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

// attempt is one try at a create: the customer it aims at, the VAT as sent
// and, under an idempotency key, the key and the fingerprint of the
// command's content.
type attempt struct {
	customerID string
	vat        string
	key, hash  string
}

// identify names the customer a create aims at: a new time-ordered ID, or,
// under an idempotency key, the ID derived from the organization and the
// key. Every retry then aims at the same stream, and the "no stream"
// append lets only the first one write.
func identify(cmd CreateCustomer) (attempt, error) {
	if cmd.IdempotencyKey == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return attempt{}, fmt.Errorf("customer id: %w", err)
		}
		return attempt{customerID: id.String(), vat: cmd.VAT}, nil
	}
	id := uuid.NewSHA1(idempotencyNamespace, []byte(cmd.Principal.OrganizationID+"\x00"+cmd.IdempotencyKey))
	return attempt{customerID: id.String(), vat: cmd.VAT, key: cmd.IdempotencyKey, hash: requestHash(cmd)}, nil
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

// settled reports whether err says the customer's stream was written by
// someone else: an earlier attempt under the same key, or a takeover of the
// VAT's reservation that fenced this create (see reservation.go). replay
// then gives the answer.
func (a attempt) settled(err error) bool {
	return errors.Is(err, errCustomerExists) || conflictOn(err, customerstream.Name(a.customerID))
}

// replay answers a command whose customer's stream exists: with the
// customer its first attempt created, or IdempotencyKeyReusedError when
// the content differs; or, when a takeover fenced the stream, with the
// already_exists violation (IdempotencyKeyReusedError for other content
// under the key of the fenced create). The stream may still be in the
// writing (stores without atomic multi-stream appends); replay polls for
// it within ctx.
func (h *CreateCustomerHandler) replay(ctx context.Context, a attempt) (CreatedCustomer, error) {
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	for {
		events, err := h.store.ReadStream(ctx, customerstream.Name(a.customerID), 0, 1)
		if err == nil && len(events) > 0 {
			return replayOf(events[0], a)
		}
		if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
			return CreatedCustomer{}, err
		}
		select {
		case <-poll.C:
		case <-ctx.Done():
			return CreatedCustomer{}, fmt.Errorf("replay %s: %w", a.customerID, ctx.Err())
		}
	}
}

func replayOf(first eventstore.RecordedEvent, a attempt) (CreatedCustomer, error) {
	if first.Type == customerstream.EventTypeCreationAbandoned {
		var abandoned creationAbandoned
		if err := json.Unmarshal(first.Data, &abandoned); err != nil {
			return CreatedCustomer{}, fmt.Errorf("event %s: %w", first.ID, err)
		}
		if a.key != "" && abandoned.RequestHash != a.hash {
			return CreatedCustomer{}, IdempotencyKeyReusedError{Key: a.key}
		}
		return CreatedCustomer{}, domain.VATAlreadyUsed(a.vat)
	}
	if a.key == "" {
		return CreatedCustomer{}, fmt.Errorf("stream %s exists, begun by %s", first.Stream, first.Type)
	}
	meta, err := customerstream.DecodeMetadata(first.Metadata)
	if err != nil {
		return CreatedCustomer{}, fmt.Errorf("event %s: %w", first.ID, err)
	}
	if meta.RequestHash != a.hash {
		return CreatedCustomer{}, IdempotencyKeyReusedError{Key: a.key}
	}
	event, err := domain.DecodeEvent(first.Type, meta.SchemaVersion, first.Data)
	if err != nil {
		return CreatedCustomer{}, err
	}
	created, ok := event.(domain.CustomerCreated)
	if !ok {
		return CreatedCustomer{}, fmt.Errorf("stream of %s starts with %s", first.Stream, event.EventType())
	}
	return CreatedCustomer{CustomerCreated: created, Position: first.Position, Replayed: true}, nil
}
