package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/domain"
)

// A VAT reservation is a stream per (parent organization, normalised VAT),
// written with NoStream together with, or before, the customer's own
// stream. The store lets exactly one NoStream append win, so exactly one
// customer holds the VAT even when many creates race. The stream name ends
// in the normalised VAT, which has no dashes, so the name is unambiguous
// whatever the parent ID.
const reservationStreamPrefix = "customer_vat-"

const eventTypeVATReserved = "VATReserved"

// errHeldBySelf says the reservation belongs to the customer being created:
// the command is a retry under the same idempotency key.
var errHeldBySelf = errors.New("reservation held by this customer")

// vatReserved is the reservation's event: which customer holds the VAT.
type vatReserved struct {
	CustomerID           string    `json:"customer_id"`
	ParentOrganizationID string    `json:"parent_organization_id"`
	NormalizedVAT        string    `json:"vat_normalized"`
	ReservedAt           time.Time `json:"reserved_at"`
}

func reservationStream(parentOrgID, normalizedVAT string) string {
	return reservationStreamPrefix + parentOrgID + "-" + normalizedVAT
}

// appendReserved reserves the customer's VAT and writes the customer's
// stream: in one atomic write where the store can, else reservation first.
// A reservation held by another customer is the already_exists violation.
func (h *CreateCustomerHandler) appendReserved(ctx context.Context, c domain.CustomerCreated, events []eventstore.EventData, meta eventstore.Metadata) (eventstore.WriteResult, error) {
	claim, err := h.encodeReservation(c, meta)
	if err != nil {
		return eventstore.WriteResult{}, err
	}
	reservation := reservationStream(c.ParentOrganizationID, c.NormalizedVAT)
	customer := customerstream.Name(c.CustomerID)
	if multi, ok := h.store.(eventstore.MultiStreamAppender); ok {
		var results []eventstore.WriteResult
		results, err = multi.AppendMulti(ctx,
			eventstore.StreamAppend{Stream: reservation, Expected: eventstore.NoStream, Events: []eventstore.EventData{claim}},
			eventstore.StreamAppend{Stream: customer, Expected: eventstore.NoStream, Events: events})
		if err == nil {
			return results[1], nil
		}
	} else if _, err = h.store.Append(ctx, reservation, eventstore.NoStream, claim); err == nil {
		return h.appendCustomer(ctx, customer, events)
	}
	if !conflictOn(err, reservation) {
		return eventstore.WriteResult{}, fmt.Errorf("append customer %s: %w", c.CustomerID, err)
	}
	err = h.takeOverReservation(ctx, c, reservation, claim)
	if err != nil && !errors.Is(err, errHeldBySelf) {
		return eventstore.WriteResult{}, err
	}
	return h.appendCustomer(ctx, customer, events)
}

func (h *CreateCustomerHandler) appendCustomer(ctx context.Context, stream string, events []eventstore.EventData) (eventstore.WriteResult, error) {
	res, err := h.store.Append(ctx, stream, eventstore.NoStream, events...)
	if err != nil {
		return eventstore.WriteResult{}, fmt.Errorf("append %s: %w", stream, err)
	}
	return res, nil
}

// conflictOn reports whether err is a failed expected revision on stream.
func conflictOn(err error, stream string) bool {
	var wrong *eventstore.WrongExpectedVersionError
	return errors.As(err, &wrong) && wrong.Stream == stream
}

// takeOverReservation is called when the VAT's reservation stream exists.
// It returns the already_exists violation when another customer holds the
// VAT. A reservation whose customer stream was never written (the process
// died between the two appends of a store without atomic multi-stream
// appends) is taken over once it is older than the grace period: by then
// the create that wrote it has finished or died, because both appends of
// one create run under a deadline shorter than the grace.
func (h *CreateCustomerHandler) takeOverReservation(ctx context.Context, c domain.CustomerCreated, stream string, claim eventstore.EventData) error {
	holder, revision, reservedAt, err := h.currentHolder(ctx, stream)
	if err != nil {
		return err
	}
	if holder == c.CustomerID {
		return errHeldBySelf
	}
	if h.now().Sub(reservedAt) < h.reservationGrace {
		return domain.VATAlreadyUsed(c.VAT)
	}
	if _, err := h.store.ReadStream(ctx, customerstream.Name(holder), 0, 1); !errors.Is(err, eventstore.ErrStreamNotFound) {
		if err != nil {
			return err
		}
		return domain.VATAlreadyUsed(c.VAT)
	}
	_, err = h.store.Append(ctx, stream, eventstore.Exact(revision), claim)
	if errors.Is(err, eventstore.ErrWrongExpectedVersion) {
		return domain.VATAlreadyUsed(c.VAT)
	}
	return err
}

func (h *CreateCustomerHandler) currentHolder(ctx context.Context, stream string) (customerID string, revision uint64, at time.Time, err error) {
	events, err := h.store.ReadStream(ctx, stream, 0, 0)
	if err != nil {
		return "", 0, time.Time{}, fmt.Errorf("read reservation %s: %w", stream, err)
	}
	if len(events) == 0 {
		return "", 0, time.Time{}, fmt.Errorf("read reservation %s: %w", stream, eventstore.ErrStreamNotFound)
	}
	last := events[len(events)-1]
	var r vatReserved
	if err := json.Unmarshal(last.Data, &r); err != nil {
		return "", 0, time.Time{}, fmt.Errorf("decode reservation %s: %w", stream, err)
	}
	return r.CustomerID, last.Revision, r.ReservedAt, nil
}

// encodeReservation is the reservation's event; its metadata is the
// command's, at schema version 1.
func (h *CreateCustomerHandler) encodeReservation(c domain.CustomerCreated, meta eventstore.Metadata) (eventstore.EventData, error) {
	data, err := json.Marshal(vatReserved{
		CustomerID:           c.CustomerID,
		ParentOrganizationID: c.ParentOrganizationID,
		NormalizedVAT:        c.NormalizedVAT,
		ReservedAt:           h.now().UTC(),
	})
	if err != nil {
		return eventstore.EventData{}, fmt.Errorf("encode reservation: %w", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return eventstore.EventData{}, err
	}
	return eventstore.EventData{ID: id, Type: eventTypeVATReserved, Data: data, Metadata: customerstream.EncodeMetadata(meta, 1)}, nil
}
