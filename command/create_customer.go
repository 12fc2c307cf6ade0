package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/domain"
)

// CreateCustomer asks for a new customer organization under the actor's
// organization.
type CreateCustomer struct {
	Actor       Actor
	Name        string
	Description string
	// CustomData is the client's JSON object, vat included, kept verbatim.
	CustomData json.RawMessage
	VAT        string
	// RequestID correlates the events with the request that caused them.
	RequestID string
	// IdempotencyKey, when set, makes retries of this command safe: the
	// same key from the same organization with the same content returns
	// the customer created the first time and creates nothing new.
	IdempotencyKey string
}

// CreatedCustomer is a customer as its creation recorded it, with where the
// event landed in the log.
type CreatedCustomer struct {
	domain.CustomerCreated
	Position eventstore.Position
	// Replayed says the customer was created by an earlier attempt under the
	// same idempotency key.
	Replayed bool
}

// CreateCustomerHandler handles CreateCustomer. It is safe for concurrent
// use; concurrent creates with one VAT under one parent give one success.
type CreateCustomerHandler struct {
	store            eventstore.Store
	branding         domain.Branding
	now              func() time.Time
	reservationGrace time.Duration
	writeTimeout     time.Duration
}

// Option adjusts a CreateCustomerHandler.
type Option func(*CreateCustomerHandler)

// WithClock makes the handler read the time from now.
func WithClock(now func() time.Time) Option { return func(h *CreateCustomerHandler) { h.now = now } }

// WithReservationGrace sets how old a VAT reservation without its customer
// must be before another create takes it over (default one minute). It must
// exceed the write timeout.
func WithReservationGrace(d time.Duration) Option {
	return func(h *CreateCustomerHandler) { h.reservationGrace = d }
}

// NewCreateCustomerHandler returns a handler writing to store and giving new
// customers the branding defaults.
func NewCreateCustomerHandler(store eventstore.Store, branding domain.Branding, opts ...Option) (*CreateCustomerHandler, error) {
	if store == nil {
		return nil, errors.New("command: nil event store")
	}
	h := &CreateCustomerHandler{
		store:            store,
		branding:         branding,
		now:              time.Now,
		writeTimeout:     10 * time.Second,
		reservationGrace: time.Minute,
	}
	for _, opt := range opts {
		opt(h)
	}
	if h.reservationGrace <= h.writeTimeout {
		return nil, fmt.Errorf("command: reservation grace %s must exceed the write timeout %s", h.reservationGrace, h.writeTimeout)
	}
	return h, nil
}

// Handle authorizes the command, applies the domain rules, reserves the VAT
// and appends CustomerCreated to a new stream. When it returns nil the
// event is durable.
func (h *CreateCustomerHandler) Handle(ctx context.Context, cmd CreateCustomer) (CreatedCustomer, error) {
	if err := AuthorizeCreateCustomer(cmd.Actor); err != nil {
		return CreatedCustomer{}, err
	}
	id, err := customerID(cmd)
	if err != nil {
		return CreatedCustomer{}, err
	}
	customer, err := domain.CreateCustomer(domain.NewCustomer{
		ID:                   id.String(),
		ParentOrganizationID: cmd.Actor.OrganizationID,
		Name:                 cmd.Name,
		Description:          cmd.Description,
		CustomData:           cmd.CustomData,
		VAT:                  cmd.VAT,
		Branding:             h.branding,
		Actor:                domain.Actor{UserID: cmd.Actor.UserID, OrganizationID: cmd.Actor.OrganizationID},
		Now:                  h.now(),
	})
	if err != nil {
		return CreatedCustomer{}, err
	}
	// Both appends run to completion even if the client goes away, so that a
	// reservation is never left without its customer by a disconnect.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.writeTimeout)
	defer cancel()

	state := customer.State()
	meta := newMetadata(cmd)
	events, err := encodeEvents(customer.Changes(), meta)
	if err != nil {
		return CreatedCustomer{}, err
	}
	claim, err := encodeReservation(state, meta.encode(1), h.now())
	if err != nil {
		return CreatedCustomer{}, err
	}
	res, err := h.appendCreation(ctx, state, claim, events)
	if cmd.IdempotencyKey != "" && (errors.Is(err, errHeldBySelf) || conflictOn(err, customerStream(state.CustomerID))) {
		return h.replay(ctx, state.CustomerID, cmd.IdempotencyKey, meta.RequestHash)
	}
	if err != nil {
		return CreatedCustomer{}, err
	}
	return CreatedCustomer{CustomerCreated: state, Position: res.Position}, nil
}

// appendCreation writes the VAT reservation and the customer's stream: in
// one atomic write where the store can, else reservation first.
func (h *CreateCustomerHandler) appendCreation(ctx context.Context, c domain.CustomerCreated, claim eventstore.EventData, events []eventstore.EventData) (eventstore.WriteResult, error) {
	reservation := reservationStream(c.ParentOrganizationID, c.NormalizedVAT)
	customer := customerStream(c.CustomerID)
	var err error
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
