package customerstream

import (
	"strings"

	"github.com/customersvc/customersvc/command/eventstore"
)

// Prefix begins the name of every customer's stream.
const Prefix = "customer-"

// Filter selects the customers' streams in the log: what the relay
// publishes and what a rebuild reads.
var Filter = eventstore.Filter{StreamPrefixes: []string{Prefix}}

// Name is the stream of the customer with this ID.
func Name(customerID string) string { return Prefix + customerID }

// CustomerID returns the customer ID a stream name carries.
func CustomerID(stream string) (string, bool) {
	id, ok := strings.CutPrefix(stream, Prefix)
	return id, ok && id != ""
}

// EventTypeCreationAbandoned is the first and only event of the stream of a
// customer that will never exist: its create reserved a VAT and had not
// written the customer when another create took the reservation over (see
// command's reservation.go). It is appended with "no stream" expected, so
// that the abandoned create's own append of CustomerCreated fails however
// late it comes. It is no domain event and has no NATS contract: readers of
// customer streams skip it, and a stream that begins with it is no
// customer.
const EventTypeCreationAbandoned = "CustomerCreationAbandoned"
