package esdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// clientLogger routes the client's messages to logger. The client logs
// its discovery steps at info and every failed call, a cancelled
// subscription included, at error; so info becomes Debug, an error caused
// by a cancellation becomes Debug, and other errors become Warn: the store
// reports what matters itself.
func clientLogger(logger *slog.Logger) esdbclient.LoggingFunc {
	return func(level esdbclient.LogLevel, format string, args ...any) {
		l := slog.LevelDebug
		switch level {
		case esdbclient.LogWarn:
			l = slog.LevelWarn
		case esdbclient.LogError:
			l = slog.LevelWarn
			if cancelled(args) {
				l = slog.LevelDebug
			}
		}
		ctx := context.Background()
		if logger.Enabled(ctx, l) {
			logger.Log(ctx, l, "esdb client: "+fmt.Sprintf(format, args...))
		}
	}
}

// cancelled reports whether an error among args is a cancellation.
func cancelled(args []any) bool {
	for _, a := range args {
		if err, ok := a.(error); ok && (errors.Is(err, context.Canceled) || status.Code(err) == codes.Canceled) {
			return true
		}
	}
	return false
}
