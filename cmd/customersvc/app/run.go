package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// Run starts the service and stops it gracefully when ctx ends.
func Run(ctx context.Context, args []string, getenv func(string) string, logOut io.Writer) error {
	cfg, err := LoadConfig("customersvc", args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := NewLogger(logOut, cfg.LogLevel)
	svc, err := Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	<-ctx.Done()
	logger.Info("shutting down")
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := svc.Shutdown(stopCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}
