package query

import (
	"encoding/json"
	"time"

	"github.com/customersvc/customersvc/domain"
)

// Customer is a customer as the read side shows it.
type Customer struct {
	ID                   string
	ParentOrganizationID string
	Name                 string
	Description          string
	CustomData           json.RawMessage
	VAT                  string
	NormalizedVAT        string
	Branding             domain.Branding
	CreatedAt            time.Time
	UpdatedAt            time.Time
	// Version is the stream revision of the last event folded in.
	Version int64
}

// Fold builds a customer from its events, oldest first. It reports false
// when the events do not describe a customer.
func Fold(events []domain.Event) (Customer, bool) {
	c := Customer{Version: -1}
	for _, e := range events {
		c = Evolve(c, e)
	}
	return c, c.Version >= 0 && c.ID != ""
}

// Evolve applies one event to a customer; projections and Fold share it, so
// the read model and a fold of the log cannot disagree.
func Evolve(c Customer, e domain.Event) Customer {
	if created, ok := e.(domain.CustomerCreated); ok {
		c = Customer{
			ID:                   created.CustomerID,
			ParentOrganizationID: created.ParentOrganizationID,
			Name:                 created.Name,
			Description:          created.Description,
			CustomData:           created.CustomData,
			VAT:                  created.VAT,
			NormalizedVAT:        created.NormalizedVAT,
			Branding:             created.Branding,
			CreatedAt:            created.CreatedAt,
			UpdatedAt:            created.CreatedAt,
			Version:              c.Version,
		}
	}
	c.Version++
	return c
}
