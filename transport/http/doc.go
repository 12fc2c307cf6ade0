// Package http is the service's HTTP API on Gin: the routes, the token
// middleware, the converters between JSON bodies and commands or queries,
// and the one table mapping errors to status codes and envelopes.
package http
