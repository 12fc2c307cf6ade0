package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/domain"
)

// A VAT reservation is a stream per (parent organization, normalised VAT)
// whose last VATReserved names the customer holding the VAT. The stream
// name ends in the normalised VAT, which has no dashes, so the name is
// unambiguous whatever the parent ID.
//
// A create writes the reservation with "no stream" expected together with
// its customer's stream (one atomic write where the store can), or before
// it. The store lets one "no stream" append win, so one create holds the
// VAT even when many race. Where the two appends are separate, a
// reservation can name a customer that does not hold the VAT:
//
//   - the customer's stream records another VAT or parent: a retry under an
//     idempotency key whose first attempt created the customer with another
//     VAT (or two first attempts with two VATs racing) reserved this VAT,
//     then lost on the customer's stream. A customer's creation never
//     changes, so that customer can never hold this VAT: the reservation is
//     taken over at once.
//   - the customer's stream begins with CustomerCreationAbandoned: an
//     earlier takeover fenced it (below) and did not finish. Taken over at
//     once.
//   - the customer's stream does not exist: its create is between its two
//     appends, or died there. It is taken over only after this handler has
//     seen the same reservation revision without its customer for the grace
//     period, measured on its own clock (no other replica's clock is ever
//     compared with it), so that a create in flight can finish. The
//     takeover first appends CustomerCreationAbandoned to the holder's
//     stream with "no stream" expected: from then on that create's own
//     append fails, however late it comes (a paused process, a slow
//     network), so the grace decides only when a takeover may happen,
//     never whether two customers can hold the VAT. If the holder's
//     customer got there first the fence fails and the VAT stays its.
//
// Every takeover then appends the new claim with the revision it read as
// the expected revision, so of two takeovers one wins. A customer becomes
// live only by writing its stream after its claim, and every claim that
// was superseded names a customer that is fenced or has another VAT; so at
// most one live customer holds a VAT, whatever the clocks say.
const reservationStreamPrefix = "customer_vat-"

const eventTypeVATReserved = "VATReserved"

// errCustomerExists says the customer's stream exists before the create
// wrote anything: the command is a retry under its idempotency key.
var errCustomerExists = errors.New("customer stream exists")

// vatReserved is the reservation's event: which customer holds the VAT.
// ReservedAt is the reserving replica's clock, for people; no rule reads it.
type vatReserved struct {
	CustomerID           string    `json:"customer_id"`
	ParentOrganizationID string    `json:"parent_organization_id"`
	NormalizedVAT        string    `json:"vat_normalized"`
	ReservedAt           time.Time `json:"reserved_at"`
}

// creationAbandoned is the data of customerstream.EventTypeCreationAbandoned.
type creationAbandoned struct {
	CustomerID           string `json:"customer_id"`
	ParentOrganizationID string `json:"parent_organization_id"`
	NormalizedVAT        string `json:"vat_normalized"`
	// RequestHash is the abandoned create's (from its reservation), so that
	// a retry under its idempotency key with other content is still 422.
	RequestHash string `json:"request_hash,omitempty"`
	// TakenOverBy is the customer whose create took the reservation over.
	TakenOverBy string `json:"taken_over_by"`
}

func reservationStream(parentOrgID, normalizedVAT string) string {
	return reservationStreamPrefix + parentOrgID + "-" + normalizedVAT
}

// appendReserved reserves the customer's VAT and writes the customer's
// stream: in one atomic write where the store can, else reservation first.
// A reservation held by another customer is the already_exists violation.
// keyed says the command has an idempotency key; where the appends are
// separate, such a command whose customer exists already (a retry) writes
// no reservation.
func (h *CreateCustomerHandler) appendReserved(ctx context.Context, c domain.CustomerCreated, events []eventstore.EventData, meta eventstore.Metadata, keyed bool) (eventstore.WriteResult, error) {
	claim, err := h.encodeReservation(c, meta)
	if err != nil {
		return eventstore.WriteResult{}, err
	}
	reservation := reservationStream(c.ParentOrganizationID, c.NormalizedVAT)
	customer := customerstream.Name(c.CustomerID)
	if multi, ok := h.store.(eventstore.MultiStreamAppender); ok {
		results, err := multi.AppendMulti(ctx,
			eventstore.StreamAppend{Stream: reservation, Expected: eventstore.NoStream, Events: []eventstore.EventData{claim}},
			eventstore.StreamAppend{Stream: customer, Expected: eventstore.NoStream, Events: events})
		if err == nil {
			return results[1], nil
		}
		if !conflictOn(err, reservation) {
			return eventstore.WriteResult{}, fmt.Errorf("append customer %s: %w", c.CustomerID, err)
		}
	} else {
		if keyed {
			exists, err := h.streamExists(ctx, customer)
			if err != nil {
				return eventstore.WriteResult{}, err
			}
			if exists {
				return eventstore.WriteResult{}, errCustomerExists
			}
		}
		_, err := h.store.Append(ctx, reservation, eventstore.NoStream, claim)
		if err == nil {
			return h.appendCustomer(ctx, customer, events)
		}
		if !conflictOn(err, reservation) {
			return eventstore.WriteResult{}, fmt.Errorf("reserve VAT for customer %s: %w", c.CustomerID, err)
		}
	}
	return h.takeOver(ctx, c, reservation, claim, events, meta)
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

// holderState is what a reservation's holder is, read from its stream.
type holderState int

const (
	holderLive      holderState = iota // created with this VAT under this parent
	holderElsewhere                    // created with another VAT or parent
	holderAbandoned                    // fenced by a takeover that did not finish
	holderPending                      // no stream: in flight, or died
)

// takeOver is called when the VAT's reservation stream exists. It writes
// the customer when the reservation is this customer's (a retry under the
// same key) or can be taken over (see the rules at the top of this file),
// and returns the already_exists violation otherwise.
func (h *CreateCustomerHandler) takeOver(ctx context.Context, c domain.CustomerCreated, reservation string, claim eventstore.EventData, events []eventstore.EventData, meta eventstore.Metadata) (eventstore.WriteResult, error) {
	held, err := h.currentHolder(ctx, reservation)
	if err != nil {
		return eventstore.WriteResult{}, err
	}
	customer := customerstream.Name(c.CustomerID)
	if held.customerID == c.CustomerID {
		return h.appendCustomer(ctx, customer, events)
	}
	state, err := h.holderState(ctx, held.customerID, c)
	if err != nil {
		return eventstore.WriteResult{}, err
	}
	seen := sighting{stream: reservation, revision: held.revision}
	var appends []eventstore.StreamAppend
	switch state {
	case holderLive:
		h.sightings.forget(seen)
		return eventstore.WriteResult{}, domain.VATAlreadyUsed(c.VAT)
	case holderPending:
		if h.sightings.since(seen, h.now(), 2*h.reservationGrace) < h.reservationGrace {
			return eventstore.WriteResult{}, domain.VATAlreadyUsed(c.VAT)
		}
		fence, err := encodeAbandoned(c, held, meta)
		if err != nil {
			return eventstore.WriteResult{}, err
		}
		appends = append(appends, eventstore.StreamAppend{Stream: customerstream.Name(held.customerID), Expected: eventstore.NoStream, Events: []eventstore.EventData{fence}})
	}
	appends = append(appends,
		eventstore.StreamAppend{Stream: reservation, Expected: eventstore.Exact(held.revision), Events: []eventstore.EventData{claim}},
		eventstore.StreamAppend{Stream: customer, Expected: eventstore.NoStream, Events: events})
	res, err := h.appendAll(ctx, appends)
	switch {
	case err == nil:
		h.sightings.forget(seen)
		return res, nil
	case conflictOn(err, customer):
		return eventstore.WriteResult{}, fmt.Errorf("append %s: %w", customer, err)
	case errors.Is(err, eventstore.ErrWrongExpectedVersion):
		// The holder's customer came after all, or another create took
		// the reservation over first.
		return eventstore.WriteResult{}, domain.VATAlreadyUsed(c.VAT)
	}
	return eventstore.WriteResult{}, err
}

// appendAll writes the appends in one atomic write where the store can,
// else one after the other, stopping at the first failure. It returns the
// last append's result.
func (h *CreateCustomerHandler) appendAll(ctx context.Context, appends []eventstore.StreamAppend) (eventstore.WriteResult, error) {
	if multi, ok := h.store.(eventstore.MultiStreamAppender); ok {
		results, err := multi.AppendMulti(ctx, appends...)
		if err != nil {
			return eventstore.WriteResult{}, err
		}
		return results[len(results)-1], nil
	}
	var res eventstore.WriteResult
	for _, a := range appends {
		var err error
		if res, err = h.store.Append(ctx, a.Stream, a.Expected, a.Events...); err != nil {
			return eventstore.WriteResult{}, fmt.Errorf("append %s: %w", a.Stream, err)
		}
	}
	return res, nil
}

// holderState reads the stream of the customer a reservation names.
func (h *CreateCustomerHandler) holderState(ctx context.Context, holder string, c domain.CustomerCreated) (holderState, error) {
	stream := customerstream.Name(holder)
	events, err := h.store.ReadStream(ctx, stream, 0, 1)
	if errors.Is(err, eventstore.ErrStreamNotFound) || err == nil && len(events) == 0 {
		return holderPending, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", stream, err)
	}
	switch first := events[0]; first.Type {
	case customerstream.EventTypeCreationAbandoned:
		return holderAbandoned, nil
	case domain.EventTypeCustomerCreated:
		created, err := customerstream.DecodeCustomerCreated(first.Data, customerstream.SchemaVersion(first.Metadata))
		if err != nil {
			return 0, fmt.Errorf("read %s: %w", stream, err)
		}
		if created.ParentOrganizationID == c.ParentOrganizationID && created.NormalizedVAT == c.NormalizedVAT {
			return holderLive, nil
		}
		return holderElsewhere, nil
	default:
		return 0, fmt.Errorf("read %s: begins with %q", stream, first.Type)
	}
}

// holder is the reservation's last claim.
type holder struct {
	customerID  string
	revision    uint64
	requestHash string
}

func (h *CreateCustomerHandler) currentHolder(ctx context.Context, stream string) (holder, error) {
	events, err := h.store.ReadStream(ctx, stream, 0, 0)
	if err != nil {
		return holder{}, fmt.Errorf("read reservation %s: %w", stream, err)
	}
	if len(events) == 0 {
		return holder{}, fmt.Errorf("read reservation %s: %w", stream, eventstore.ErrStreamNotFound)
	}
	last := events[len(events)-1]
	var r vatReserved
	if err := json.Unmarshal(last.Data, &r); err != nil {
		return holder{}, fmt.Errorf("decode reservation %s: %w", stream, err)
	}
	meta, _ := customerstream.DecodeMetadata(last.Metadata) // only its request hash, which may be missing
	return holder{customerID: r.CustomerID, revision: last.Revision, requestHash: meta.RequestHash}, nil
}

func (h *CreateCustomerHandler) streamExists(ctx context.Context, stream string) (bool, error) {
	_, err := h.store.ReadStream(ctx, stream, 0, 1)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", stream, err)
	}
	return true, nil
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

// encodeAbandoned is the fence a takeover appends to the stream of the
// reservation's holder. Its metadata is the command's that wrote it, without
// the idempotency key and request hash, which are the command's own.
func encodeAbandoned(c domain.CustomerCreated, held holder, meta eventstore.Metadata) (eventstore.EventData, error) {
	data, err := json.Marshal(creationAbandoned{
		CustomerID:           held.customerID,
		ParentOrganizationID: c.ParentOrganizationID,
		NormalizedVAT:        c.NormalizedVAT,
		RequestHash:          held.requestHash,
		TakenOverBy:          c.CustomerID,
	})
	if err != nil {
		return eventstore.EventData{}, fmt.Errorf("encode abandoned creation: %w", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return eventstore.EventData{}, err
	}
	meta.IdempotencyKey, meta.RequestHash = "", ""
	return eventstore.EventData{ID: id, Type: customerstream.EventTypeCreationAbandoned, Data: data, Metadata: customerstream.EncodeMetadata(meta, 1)}, nil
}

// maxSightings bounds the reservations a handler remembers seeing without
// their customer; past it the oldest are forgotten (which only delays
// their takeover).
const maxSightings = 4096

// sighting is one revision of a reservation, seen without its customer.
type sighting struct {
	stream   string
	revision uint64
}

// sightings remembers when this handler first saw each reservation
// revision without its customer, on its own clock.
type sightings struct {
	mu   sync.Mutex
	seen map[sighting]time.Time
}

// since records s as seen at now unless it was seen before, and returns
// how long ago it was first seen. When the memory is full it first drops
// what was seen longer than keep ago, or everything.
func (ss *sightings) since(s sighting, now time.Time, keep time.Duration) time.Duration {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if first, ok := ss.seen[s]; ok {
		return now.Sub(first)
	}
	if ss.seen == nil {
		ss.seen = make(map[sighting]time.Time)
	}
	if len(ss.seen) >= maxSightings {
		for k, first := range ss.seen {
			if now.Sub(first) > keep {
				delete(ss.seen, k)
			}
		}
		if len(ss.seen) >= maxSightings {
			clear(ss.seen)
		}
	}
	ss.seen[s] = now
	return 0
}

func (ss *sightings) forget(s sighting) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.seen, s)
}
