package domain

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Field paths used in FieldError, as the client sees them.
const (
	FieldName        = "name"
	FieldDescription = "description"
	FieldVAT         = "custom_data.vat"
)

// Limits of the customer's fields, in characters (Unicode code points).
const (
	MaxNameLength        = 255
	MaxDescriptionLength = 2000
)

// NewCustomer holds what is needed to create a customer.
type NewCustomer struct {
	ID                   string
	ParentOrganizationID string
	Name                 string
	Description          string
	// CustomData is the client's JSON object, vat included, kept verbatim.
	CustomData json.RawMessage
	VAT        string
	Branding   Branding
	Actor      Actor
	Now        time.Time
}

// Customer is the aggregate: a customer organization under a parent
// organization. Its state changes only through events.
type Customer struct {
	state   CustomerCreated
	version int64 // revision of the last applied event; -1 before any
	changes []Event
}

// CreateCustomer checks every business rule and returns a customer holding
// one uncommitted CustomerCreated event, or RuleViolations listing all
// broken rules. VAT uniqueness spans customers and is checked by the caller.
func CreateCustomer(in NewCustomer) (*Customer, error) {
	name := strings.TrimSpace(in.Name)
	var problems RuleViolations
	if code := checkName(name); code != "" {
		problems = append(problems, FieldError{Field: FieldName, Code: code, Value: in.Name})
	}
	if utf8.RuneCountInString(in.Description) > MaxDescriptionLength {
		problems = append(problems, FieldError{Field: FieldDescription, Code: CodeTooLong, Value: in.Description})
	}
	if code := checkVAT(in.VAT); code != "" {
		problems = append(problems, FieldError{Field: FieldVAT, Code: code, Value: in.VAT})
	}
	if len(problems) > 0 {
		return nil, problems
	}
	normalizedVAT := NormalizeVAT(in.VAT)
	c := &Customer{version: -1}
	c.record(CustomerCreated{
		CustomerID:           in.ID,
		ParentOrganizationID: in.ParentOrganizationID,
		Name:                 name,
		Description:          in.Description,
		CustomData:           in.CustomData,
		VAT:                  in.VAT,
		NormalizedVAT:        normalizedVAT,
		VATCountry:           VATCountry(normalizedVAT),
		Branding:             in.Branding,
		CreatedBy:            in.Actor,
		CreatedAt:            in.Now.UTC(),
	})
	return c, nil
}

func checkName(trimmed string) string {
	switch {
	case trimmed == "":
		return CodeBlank
	case utf8.RuneCountInString(trimmed) > MaxNameLength:
		return CodeTooLong
	case strings.ContainsFunc(trimmed, refusedInName):
		return CodeControlChars
	}
	return ""
}

// refusedInName reports the characters a name may not hold, all under
// CodeControlChars: control characters; bidirectional controls (U+061C,
// U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), which reorder what is
// shown around them, so that a name can display as another; and invisible
// characters (U+200B–U+200D, U+2060–U+2064, U+FEFF), which make two names
// that look the same differ.
func refusedInName(r rune) bool {
	switch {
	case r < 0x80:
		return r < 0x20 || r == 0x7f
	case r < 0x061c:
		return unicode.IsControl(r)
	}
	switch {
	case r == 0x061c, r == 0xfeff,
		r >= 0x200b && r <= 0x200f,
		r >= 0x202a && r <= 0x202e,
		r >= 0x2060 && r <= 0x2064,
		r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// LoadCustomer rebuilds a customer from its stream. version is the revision
// of the last event in history.
func LoadCustomer(history []Event) (*Customer, error) {
	if len(history) == 0 {
		return nil, ErrCustomerNotFound
	}
	c := &Customer{version: -1}
	for _, e := range history {
		c.apply(e)
	}
	return c, nil
}

func (c *Customer) record(e Event) {
	c.apply(e)
	c.changes = append(c.changes, e)
}

func (c *Customer) apply(e Event) {
	if created, ok := e.(CustomerCreated); ok {
		c.state = created
	}
	c.version++
}

// Changes are the events recorded since the customer was loaded or created.
func (c *Customer) Changes() []Event { return c.changes }

// Version is the revision of the last event applied, -1 for none.
func (c *Customer) Version() int64 { return c.version }

// State is the customer as its events describe it.
func (c *Customer) State() CustomerCreated { return c.state }
