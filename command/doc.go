// Package command is the write side: one file per use case (a command and
// its handler), with the collaborators the handler calls, and the ports it
// needs. Adapters for the ports live in subpackages: the event store's in
// eventstore/sqlite and eventstore/esdb, what a customer's stream holds in
// eventstore/customerstream.
package command
