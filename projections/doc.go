// Package projections moves events out of the event store: the relay
// publishes the store's global log to NATS JetStream, and the projectors,
// Watermill CQRS event processors on durable JetStream consumers, build the
// read models from what the relay published.
//
// Delivery is at least once at every hop. The relay may publish an event
// again after a restart (JetStream drops the copy within its duplicate
// window, keyed by the event ID); a projector may receive an event again
// (it changes nothing the second time, because each read-model row keeps
// the stream revision it was built from).
package projections
