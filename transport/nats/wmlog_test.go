package nats

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill"
)

func TestWatermillLoggerKeepsLevelsAndFields(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := watermillLogger{logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	l.Trace("per message", watermill.LogFields{"message_uuid": "m1"})
	l.Debug("per message", watermill.LogFields{"message_uuid": "m2"})
	l.Info("handler started", nil)
	if buf.Len() != 0 {
		t.Fatalf("records below warn were written: %s", buf.String())
	}
	l.With(watermill.LogFields{"handler": "customers"}).Error("handler failed", errors.New("boom"), watermill.LogFields{"message_uuid": "m3"})
	out := buf.String()
	for _, want := range []string{"level=ERROR", `msg="handler failed"`, "handler=customers", "message_uuid=m3", "error=boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("record %q lacks %q", out, want)
		}
	}

	buf.Reset()
	debug := watermillLogger{logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: watermill.LevelTrace}))}
	debug.Info("handler started", watermill.LogFields{"handler": "customers"})
	debug.Trace("per message", watermill.LogFields{"message_uuid": "m4"})
	if out := buf.String(); !strings.Contains(out, `level=DEBUG msg="handler started" handler=customers`) || !strings.Contains(out, "message_uuid=m4") {
		t.Fatalf("info should be written at debug and trace kept when enabled: %s", out)
	}
}
