package nats

import (
	"context"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill"
)

// watermillLogger adapts the service's logger for Watermill. Watermill
// logs every message it handles at debug and trace, and builds the
// record's fields whatever the level; this adapter drops a record whose
// level is off before turning its fields into attributes. Watermill's
// info records (handlers starting and stopping) go to debug.
type watermillLogger struct{ logger *slog.Logger }

// NewWatermillLogger returns Watermill's view of logger.
func NewWatermillLogger(logger *slog.Logger) watermill.LoggerAdapter {
	return watermillLogger{logger: logger}
}

func (l watermillLogger) Error(msg string, err error, fields watermill.LogFields) {
	l.log(slog.LevelError, msg, fields, "error", err)
}

func (l watermillLogger) Info(msg string, fields watermill.LogFields) {
	l.log(slog.LevelDebug, msg, fields)
}

func (l watermillLogger) Debug(msg string, fields watermill.LogFields) {
	l.log(slog.LevelDebug, msg, fields)
}

func (l watermillLogger) Trace(msg string, fields watermill.LogFields) {
	l.log(watermill.LevelTrace, msg, fields)
}

func (l watermillLogger) With(fields watermill.LogFields) watermill.LoggerAdapter {
	return watermillLogger{logger: l.logger.With(attrs(fields)...)}
}

func (l watermillLogger) log(level slog.Level, msg string, fields watermill.LogFields, extra ...any) {
	ctx := context.Background()
	if !l.logger.Enabled(ctx, level) {
		return
	}
	l.logger.Log(ctx, level, msg, append(attrs(fields), extra...)...)
}

func attrs(fields watermill.LogFields) []any {
	args := make([]any, 0, 2*len(fields)+2)
	for k, v := range fields {
		args = append(args, k, v)
	}
	return args
}
