// Package readmodeltest is the contract suite of the customers read model:
// every adapter of query.ReadModel and query.ReadModelWriter runs Run, so
// that they read and write alike.
package readmodeltest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
)

// Store is what the suite tests: the read model and its writer.
type Store interface {
	query.ReadModel
	query.ReadModelWriter
}

// Run runs the contract suite. open returns a new, empty store each time
// it is called; closing it is open's business (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Run("ApplyEvents", func(t *testing.T) { runApply(t, open) })
	t.Run("Read", func(t *testing.T) { runRead(t, open) })
	t.Run("Counts", func(t *testing.T) { runCounts(t, open) })
	t.Run("Keyset", func(t *testing.T) { runKeyset(t, open) })
}

// projection is the checkpoint key the suite writes under.
const projection = "customers"

// Customer is the i-th of a varied set of customers, all revision 0:
// names that lower-case differently in Unicode, three parents, timestamps
// with nanoseconds.
func Customer(i int, name string) query.Customer {
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC).Add(time.Duration(i) * time.Second)
	return query.Customer{
		ID: fmt.Sprintf("c-%05d", i), ParentOrganizationID: fmt.Sprintf("org-%d", i%3),
		Name: fmt.Sprintf("%s %d ÄÖÜ İ K", name, i), Description: "Ärzte " + name,
		CustomData: json.RawMessage(fmt.Sprintf(`{"vat": "IT%011d"}`, i)),
		VAT:        fmt.Sprintf("it %011d", i), NormalizedVAT: fmt.Sprintf("IT%011d", i),
		Branding:  domain.Branding{LogoURL: "l", DarkLogoURL: "d"},
		CreatedAt: at, UpdatedAt: at,
	}
}

// Customers are Customer(0, name) to Customer(n-1, name).
func Customers(n int, name string) []query.Customer {
	out := make([]query.Customer, n)
	for i := range out {
		out[i] = Customer(i, name)
	}
	return out
}

// Created is the event that makes c what it is, as the revision-th event
// of its stream at log position position. Folding it alone gives c at
// that revision.
func Created(c query.Customer, revision int64, position uint64) query.CustomerEvent {
	return query.CustomerEvent{CustomerID: c.ID, Revision: revision, Position: position, Event: domain.CustomerCreated{
		CustomerID: c.ID, ParentOrganizationID: c.ParentOrganizationID, Name: c.Name, Description: c.Description,
		CustomData: c.CustomData, VAT: c.VAT, NormalizedVAT: c.NormalizedVAT, Branding: c.Branding, CreatedAt: c.CreatedAt,
	}}
}

// Events are the creations of customers, each as revision c.Version of its
// stream, at positions from, from+1, …
func Events(customers []query.Customer, from uint64) []query.CustomerEvent {
	out := make([]query.CustomerEvent, len(customers))
	for i, c := range customers {
		out[i] = Created(c, c.Version, from+uint64(i))
	}
	return out
}
