// Package deployments_test loads the deployment files the way the tools
// that run them do — the compose files with compose-go, the library behind
// `docker compose`; the NATS configuration with nats-server's own option
// parser; the Kubernetes manifests strictly into the API's Go types — and
// checks what the service needs of them: its replicas and their
// dependencies, settings it actually reads, a graceful stop, and the
// hardening the Dockerfile allows. It needs no container engine and no
// network.
package deployments_test

import (
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
)

// runtimeVariables are read by the Go runtime rather than the service's
// configuration, so app.Environment() does not list them. GOMEMLIMIT
// overrides the service's 1 GiB default heap limit (cmd/customersvc); Go
// sets GOMAXPROCS from the container's CPU limit by itself, but an operator
// may still pin it.
var runtimeVariables = []string{"GOMEMLIMIT", "GOMAXPROCS"}

// checkReadByService reports each variable the service would ignore: a
// misspelt or retired setting that someone believes is in force.
func checkReadByService(t *testing.T, where string, names []string) {
	t.Helper()
	reads := append(app.Environment(), runtimeVariables...)
	for _, name := range names {
		if !slices.Contains(reads, name) {
			t.Errorf("%s sets %s, which the service does not read (app.Environment())", where, name)
		}
	}
}

// shutdownTimeout is how long the service's graceful stop may take with
// env: SHUTDOWN_TIMEOUT or its default.
func shutdownTimeout(t *testing.T, env map[string]string) time.Duration {
	t.Helper()
	v, ok := env["SHUTDOWN_TIMEOUT"]
	if !ok {
		return app.DefaultConfig().ShutdownTimeout
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("SHUTDOWN_TIMEOUT %q: %v", v, err)
	}
	return d
}

// httpPort is the port the service listens on with env.
func httpPort(t *testing.T, env map[string]string) int {
	t.Helper()
	addr, ok := env["HTTP_ADDR"]
	if !ok {
		addr = app.DefaultConfig().HTTPAddr
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("HTTP_ADDR %q: %v", addr, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("HTTP_ADDR %q: port is not a number", addr)
	}
	return n
}
