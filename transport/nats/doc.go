// Package nats is the service's NATS plumbing: the embedded nats-server
// used when no external one is configured, connections that reconnect with
// backoff, provisioning of the JetStream stream, the relay's asynchronous
// batch publisher and the Watermill subscribers of the projectors.
package nats
