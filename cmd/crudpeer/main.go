// Command crudpeer is a plain CRUD customer service, kept only as the
// comparison point for customersvc's load benchmarks (issue 13): the same
// API for what the load generator's mix sends (POST /customers, GET
// /customers/{id}, GET /customers with paging, sorting and search) and the
// same HS256 tokens and visibility, but one PostgreSQL table with ordinary
// indexes and nothing else — no events, no broker, no read model. Each 201
// is one committed INSERT. The connection pool is pgxpool's, sized by
// pool_max_conns in DATABASE_URL (loadgen compare gives it 16, which was
// the peer's best of 4, 16 and 64 at 64 clients on a 2-core machine).
//
//	DATABASE_URL=postgres://postgres@127.0.0.1:5432/crudpeer AUTH_HS256_SECRET=<32+ bytes> go run ./cmd/crudpeer
//
// It is not part of the service and is not meant to be run in production.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	cfg := Config{HTTPAddr: ":8090", DatabaseURL: os.Getenv("DATABASE_URL"), Secret: os.Getenv("AUTH_HS256_SECRET")}
	if v := os.Getenv("HTTP_ADDR"); v != "" {
		cfg.HTTPAddr = v
	}
	flag.StringVar(&cfg.HTTPAddr, "http-addr", cfg.HTTPAddr, "HTTP listen address (HTTP_ADDR)")
	flag.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL database (DATABASE_URL)")
	flag.StringVar(&cfg.Secret, "auth-hs256-secret", cfg.Secret, "HS256 token secret (AUTH_HS256_SECRET)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "crudpeer:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends.
func run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	store, err := OpenStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	handler, err := NewHandler(store, []byte(cfg.Secret))
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: cfg.HTTPAddr, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	slog.Info("crudpeer: serving", "addr", cfg.HTTPAddr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Config is what the peer needs; there are no defaults but the address.
type Config struct {
	HTTPAddr    string
	DatabaseURL string
	Secret      string
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.HTTPAddr == "" {
		errs = append(errs, errors.New("HTTP_ADDR is required"))
	}
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL is required"))
	}
	if c.Secret == "" {
		errs = append(errs, errors.New("AUTH_HS256_SECRET is required"))
	}
	return errors.Join(errs...)
}
