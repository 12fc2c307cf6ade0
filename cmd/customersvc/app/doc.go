// Package app wires the service together: configuration, the stores, NATS,
// the relay, the projectors and the HTTP API. Start is what main calls and
// what the whole-service tests call too.
package app
