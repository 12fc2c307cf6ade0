// Package cli holds the customersvc subcommands besides serving: token,
// which mints a token for trying the API, and the operators' commands
// (deadletters, projections), clients of the running service's admin API.
package cli
