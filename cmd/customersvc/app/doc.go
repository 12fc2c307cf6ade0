// Package app wires the service together — configuration, start and
// shutdown: the stores, NATS, the relay, the projectors, the HTTP API and
// the admin API. Start is what main calls and what the whole-service tests
// call too; the code it wires lives in command, query, projections and
// transport.
package app
