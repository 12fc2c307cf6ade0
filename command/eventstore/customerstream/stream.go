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
