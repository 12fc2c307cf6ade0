// Package command is the write side: one file per use case (a command and
// its handler), the authorization rules that guard them, and the ports the
// handlers need. Adapters for the ports live in subpackages.
package command
