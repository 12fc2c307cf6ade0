// Package query is the read side: read DTOs, the query handlers, and the
// read-model and event-log ports they use. Queries never load aggregates;
// they read the read model, and a customer's own stream only for
// read-your-writes, its audit trail and its state at an earlier time.
package query
