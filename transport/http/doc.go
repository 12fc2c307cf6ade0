// Package http is the service's HTTP edge on Gin: the public API (routes,
// the token middleware and the one place requests are authorized, the
// converters between requests and commands or queries, and responses), the
// operators' admin API, and the one table (errors.go) mapping errors to
// status codes and envelopes for both.
package http
