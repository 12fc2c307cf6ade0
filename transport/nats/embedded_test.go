package nats

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestServerLogFoldsRepeatsAndNotesWriteErrors: a message that comes again
// and again is written once, and a critical write error, however spelt,
// is noted for KeepJetStream.
func TestServerLogFoldsRepeatsAndNotesWriteErrors(t *testing.T) {
	var out bytes.Buffer
	l := NewServerLog(slog.New(slog.NewTextHandler(&out, nil)))
	for range 5 {
		l.Errorf("JetStream failed to store a msg on stream '%s': %v", "EVENTS", "no space left on device")
	}
	l.Noticef("Server is ready")
	if n := strings.Count(out.String(), "failed to store"); n != 1 {
		t.Fatalf("a repeated message written %d times:\n%s", n, out.String())
	}
	if strings.Contains(out.String(), "Server is ready") {
		t.Fatal("a notice reached the log")
	}
	if l.writeFailed.Load() {
		t.Fatal("a failed store noted as a write error")
	}
	l.Errorf("Filestore [EVENTS] Critical write error: %v", "no space left on device")
	if !l.writeFailed.Load() {
		t.Fatal("a critical write error was not noted")
	}
}

// TestKeepJetStreamRestartsIt: JetStream stopped (as nats-server stops it
// on a full disk) runs again, and so does one whose stream could not
// write, with its stream still there.
func TestKeepJetStreamRestartsIt(t *testing.T) {
	cfg := EmbeddedConfig{StoreDir: filepath.Join(t.TempDir(), "nats"), Log: NewServerLog(slog.New(slog.DiscardHandler))}
	ns, err := StartEmbedded(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	nc, err := Connector{Embedded: ns}.Connect("test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	pub, err := NewBatchPublisher(nc, "EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	if err := EnsureStream(t.Context(), pub.JetStream(), StreamConfig{Name: "EVENTS", SubjectPrefix: "events", Duplicates: time.Minute}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	restarts := &countingHandler{text: "JetStream restarted"}
	go KeepJetStream(ctx, ns, cfg, 10*time.Millisecond, slog.New(restarts))

	if err := ns.ShutdownJetStream(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "JetStream to run again", func() bool { return restarts.n.Load() == 1 && ns.JetStreamEnabled() })

	cfg.Log.Errorf("JetStream stream '$G > EVENTS' critical write error: no space left on device")
	// No JetStream request may run while it restarts: nats-server's
	// EnableJetStream races with its own API dispatch (the race detector
	// caught it in CI), so ask for the stream only once it has restarted.
	waitFor(t, "the restart after the write error", func() bool { return restarts.n.Load() == 2 })
	if _, err := pub.JetStream().Stream(t.Context(), "EVENTS"); err != nil || !ns.JetStreamEnabled() {
		t.Fatalf("the stream after the restart: %v", err)
	}
}

// countingHandler counts the log records whose message contains text.
type countingHandler struct {
	text string
	n    atomic.Int32
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.text) {
		h.n.Add(1)
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after a minute", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
