// Package query is the read side: read DTOs, the query handlers, and the
// ports they read through — the read model (ports.go; adapter in
// query/readmodel) and a customer's recorded events (History, EventLog;
// adapter in query/history). Queries never load aggregates; they read the
// read model, and a customer's own stream only for read-your-writes, its
// audit trail and its state at an earlier time. Who sees which customers
// is the domain's rule (domain.Principal.Scope).
package query
