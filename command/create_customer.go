package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/domain"
)

// CreateCustomer asks for a new customer organization under the
// principal's organization.
type CreateCustomer struct {
	// Principal is who asks. It must be allowed to create customers
	// (domain.Principal.MayCreateCustomers): the edge checks that before it
	// reads the request, because the contract answers 403 before any
	// problem of the body.
	Principal   domain.Principal
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
	sightings        sightings
}

// Option adjusts a CreateCustomerHandler.
type Option func(*CreateCustomerHandler)

// WithClock makes the handler read the time from now.
func WithClock(now func() time.Time) Option { return func(h *CreateCustomerHandler) { h.now = now } }

// WithReservationGrace sets how long this handler must have seen a VAT
// reservation without its customer, by its own clock, before a create
// takes it over (default one minute), so that a create between its two
// appends can finish. It must exceed the write timeout. The takeover is
// safe whenever it happens: it fences the holder's stream first.
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

// Handle applies the domain rules, reserves the VAT and appends
// CustomerCreated to a new stream. When it returns nil the event is
// durable.
func (h *CreateCustomerHandler) Handle(ctx context.Context, cmd CreateCustomer) (CreatedCustomer, error) {
	try, err := identify(cmd)
	if err != nil {
		return CreatedCustomer{}, err
	}
	customer, err := domain.CreateCustomer(domain.NewCustomer{
		ID:                   try.customerID,
		ParentOrganizationID: cmd.Principal.OrganizationID,
		Name:                 cmd.Name,
		Description:          cmd.Description,
		CustomData:           cmd.CustomData,
		VAT:                  cmd.VAT,
		Branding:             h.branding,
		Actor:                cmd.Principal.Actor(),
		Now:                  h.now(),
	})
	if err != nil {
		return CreatedCustomer{}, err
	}
	meta := eventstore.Metadata{
		CorrelationID:  cmd.RequestID,
		CausationID:    cmd.RequestID,
		UserID:         cmd.Principal.UserID,
		OrgID:          cmd.Principal.OrganizationID,
		IdempotencyKey: try.key,
		RequestHash:    try.hash,
	}
	events, err := customerstream.Encode(customer.Changes(), meta)
	if err != nil {
		return CreatedCustomer{}, err
	}
	// The appends run to completion even if the client goes away, so that a
	// reservation is never left without its customer by a disconnect.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.writeTimeout)
	defer cancel()
	state := customer.State()
	written, err := h.appendReserved(ctx, state, events, meta, try.key != "")
	if try.settled(err) {
		return h.replay(ctx, try)
	}
	if errors.Is(err, domain.ErrVATAlreadyUsed) && try.key != "" {
		// The key may have created a customer with another VAT: that is
		// the key reused (422), whoever holds this VAT.
		if exists, existsErr := h.streamExists(ctx, customerstream.Name(try.customerID)); existsErr == nil && exists {
			return h.replay(ctx, try)
		}
	}
	if err != nil {
		return CreatedCustomer{}, err
	}
	return CreatedCustomer{CustomerCreated: state, Position: written.Position}, nil
}
