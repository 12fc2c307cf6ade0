// Command customersvc runs the customer service, or with "token" mints a
// token for trying its API.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
	"github.com/customersvc/customersvc/cmd/customersvc/cli"
)

// defaultMemoryLimit is the Go heap's soft limit unless GOMEMLIMIT says
// otherwise: near it the collector works harder and returns memory to the
// system sooner. It must leave room for what the service keeps live under
// full load, much of which is the embedded JetStream's message IDs of the
// duplicate window (about 350 bytes each: 420 MB for a 5-minute window at
// 4,000 events/s, about 100 MB for the embedded default of 1 minute). A
// limit below that live heap makes the collector run without pause: at
// 192 MiB, creates fell from 6,800/s to 2,500/s within two minutes, the
// collector taking most of the CPU.
const defaultMemoryLimit = 1 << 30

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "token":
		err = cli.Token(os.Args[2:], os.Getenv, os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == "deadletters":
		err = cli.DeadLetters(ctx, os.Args[2:], os.Getenv, os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == "projections":
		err = cli.Projections(ctx, os.Args[2:], os.Getenv, os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == "serve":
		err = app.Run(ctx, os.Args[2:], os.Getenv, os.Stderr)
	default:
		err = app.Run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "customersvc:", oneLine(err))
		os.Exit(1)
	}
}

// oneLine joins a multi-line (errors.Join) message so that bad
// configuration is reported on one line.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }
