package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

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
}

// CreatedCustomer is a customer as its creation recorded it, with where the
// event landed in the log.
type CreatedCustomer struct {
	domain.CustomerCreated
	Position eventstore.Position
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

// NewCreateCustomerHandler returns a handler writing to store and giving new
// customers the branding defaults.
func NewCreateCustomerHandler(store eventstore.Store, branding domain.Branding) (*CreateCustomerHandler, error) {
	if store == nil {
		return nil, errors.New("command: nil event store")
	}
	return &CreateCustomerHandler{
		store:            store,
		branding:         branding,
		now:              time.Now,
		writeTimeout:     10 * time.Second,
		reservationGrace: time.Minute,
	}, nil
}

// Handle authorizes the command, applies the domain rules, reserves the VAT
// and appends CustomerCreated to a new stream. When it returns nil the
// event is durable.
func (h *CreateCustomerHandler) Handle(ctx context.Context, cmd CreateCustomer) (CreatedCustomer, error) {
	if err := AuthorizeCreateCustomer(cmd.Actor); err != nil {
		return CreatedCustomer{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return CreatedCustomer{}, fmt.Errorf("customer id: %w", err)
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
	if err := h.reserveVAT(ctx, state, metadata(cmd, 1)); err != nil {
		return CreatedCustomer{}, err
	}
	events, err := encodeEvents(customer.Changes(), cmd)
	if err != nil {
		return CreatedCustomer{}, err
	}
	res, err := h.store.Append(ctx, customerStream(state.CustomerID), eventstore.NoStream, events...)
	if err != nil {
		return CreatedCustomer{}, fmt.Errorf("append customer %s: %w", state.CustomerID, err)
	}
	return CreatedCustomer{CustomerCreated: state, Position: res.Position}, nil
}
