// Package nats is the service's side of NATS JetStream, both ways:
//
//   - out: the relay (relay.go), which follows the event store's log and
//     publishes every customer event in log order with the CloudEvents
//     headers of the downstream contract (contract.go), keeping its
//     progress in a file (relay_progress.go);
//   - in: the Watermill router (router.go) that feeds the projectors from
//     durable consumers, decoding messages back into domain events
//     (marshaler.go, projector.go), and parks what can never be applied in
//     the dead-letter stream (poison.go, deadletter.go);
//   - and the plumbing: the embedded nats-server, connections that
//     reconnect with backoff, stream provisioning, the batch publisher and
//     consumer introspection.
//
// Delivery is at least once at every hop. The relay may publish an event
// again after a restart (JetStream drops the copy within its duplicate
// window, keyed by the event ID); a projector may receive an event again
// and must be idempotent.
package nats
