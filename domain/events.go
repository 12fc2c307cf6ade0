package domain

import (
	"encoding/json"
	"time"
)

// Event is a fact recorded in a customer's stream.
type Event interface {
	// EventType is the stable name under which the event is stored and
	// published; it never changes once events of that type exist.
	EventType() string
	// SchemaVersion is the version of the event's data layout.
	SchemaVersion() int
}

// Event type names.
const EventTypeCustomerCreated = "CustomerCreated"

// Actor is who caused an event: a user acting for an organization.
type Actor struct {
	UserID         string `json:"user_id"`
	OrganizationID string `json:"organization_id"`
}

// Branding is the look a customer organization starts with. It is resolved
// when the customer is created and recorded in the event, so a replay
// reproduces it whatever the configuration is at replay time.
type Branding struct {
	LogoURL     string `json:"logo_url"`
	DarkLogoURL string `json:"dark_logo_url"`
}

// CustomerCreated records a new customer organization under its parent.
type CustomerCreated struct {
	CustomerID           string          `json:"customer_id"`
	ParentOrganizationID string          `json:"parent_organization_id"`
	Name                 string          `json:"name"`
	Description          string          `json:"description"`
	CustomData           json.RawMessage `json:"custom_data"`
	VAT                  string          `json:"vat"`
	NormalizedVAT        string          `json:"vat_normalized"`
	// VATCountry is the EU member-state prefix of NormalizedVAT ("EL" for
	// Greece), "" when it has none. Added in schema version 2.
	VATCountry string    `json:"vat_country"`
	Branding   Branding  `json:"branding"`
	CreatedBy  Actor     `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// CustomerCreatedSchemaVersion is the current layout of CustomerCreated.
// Version 1 lacked vat_country; stored version 1 events are upcast on read.
const CustomerCreatedSchemaVersion = 2

func (CustomerCreated) EventType() string  { return EventTypeCustomerCreated }
func (CustomerCreated) SchemaVersion() int { return CustomerCreatedSchemaVersion }
