// Package domain holds the Customer aggregate, its events, value types, the
// domain errors the edges classify, and the platform's roles: who the
// caller is (Principal), what it may do and which customers it sees. It is
// pure: no I/O, no framework.
package domain
