// Command loadgen measures customersvc from outside: at a fixed
// concurrency for a fixed time it sends a mix of requests — creates of
// unique, valid customers, gets by ID, lists and searches of what it
// created, under many parent organizations — and reports throughput,
// latency and errors per kind of request and the projection lag.
//
//	go run ./cmd/loadgen run -url http://localhost:8080 -data-dir ./data -c 64 -d 30s   # creates only
//	go run ./cmd/loadgen run -url http://localhost:8080 -data-dir ./data -mix create=1,get=2,list=1,search=1
//	go run ./cmd/loadgen suite   # starts the service on a fresh DATA_DIR; 16, 64, 256; 1 create : 4 reads
//	go run ./cmd/loadgen compare -d 30s -rounds 2   # customersvc against the CRUD peer, A B A B
//	go run ./cmd/loadgen soak -d 30m   # hours-long pace: a line an interval, JSON and a plot
//	go run ./cmd/loadgen plot -json bench-results/soak/soak.json
//	go run ./cmd/loadgen scale -sizes 10000,100000,1000000 -parents 1   # one client's read p99 by customers; RSS under load
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "suite":
		err = runSuite(ctx, os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "run":
		err = runOnce(ctx, os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "soak":
		err = runSoak(ctx, os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "compare":
		err = runCompare(ctx, os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "scale":
		err = runScale(ctx, os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "plot":
		err = runPlot(os.Args[2:])
	default:
		err = fmt.Errorf("usage: loadgen run|suite|soak|compare|scale|plot [flags]; -h for the flags")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}
