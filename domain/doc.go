// Package domain holds the Customer aggregate, its events, value types and
// the domain errors the edges classify. It is pure: no I/O, no framework.
package domain
