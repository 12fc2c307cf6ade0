// Package projections holds the projectors that build the read models from
// the event store's events, one file each, and the projections' status.
// A projector takes domain events with their place in the log and knows no
// broker: transport/nats feeds it from JetStream, and the rebuild package
// builds the same rows straight from the event store.
//
// Delivery is at least once, so every projector is idempotent: each
// read-model row keeps the stream revision it was built from, and an event
// applied again changes nothing. A projection's checkpoint (the highest log
// position it saved) is written in the transaction of its rows.
package projections
