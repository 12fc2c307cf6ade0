// Package query is the read side: read DTOs, the query handlers, and the
// read-model port they use. Queries never load aggregates; they read the
// read model, and a customer's own stream only to give read-your-writes.
package query
