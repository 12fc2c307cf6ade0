package nats_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	natsx "github.com/customersvc/customersvc/transport/nats"
)

// TestEnsureStreamAppliesLimits creates the stream as an earlier version
// did (no limits, no compression), then ensures it with limits: the
// existing stream takes them.
func TestEnsureStreamAppliesLimits(t *testing.T) {
	t.Parallel()
	ns, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: filepath.Join(t.TempDir(), "nats")})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	nc, err := natsx.Connector{Embedded: ns}.Connect("test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cfg := natsx.StreamConfig{Name: "EVENTS", SubjectPrefix: "customers.events", Duplicates: time.Minute}
	if err := natsx.EnsureStream(t.Context(), js, cfg); err != nil {
		t.Fatal(err)
	}
	info := streamConfig(t, js)
	if info.MaxAge != 0 || info.MaxBytes != -1 || info.Compression != jetstream.NoCompression {
		t.Fatalf("without limits: max age %s, max bytes %d, compression %s", info.MaxAge, info.MaxBytes, info.Compression)
	}

	cfg.MaxAge, cfg.MaxBytes, cfg.Compress = 24*time.Hour, 1<<30, true
	if err := natsx.EnsureStream(t.Context(), js, cfg); err != nil {
		t.Fatal(err)
	}
	info = streamConfig(t, js)
	if info.MaxAge != 24*time.Hour || info.MaxBytes != 1<<30 || info.Compression != jetstream.S2Compression || info.Discard != jetstream.DiscardOld {
		t.Fatalf("limits not applied: max age %s, max bytes %d, compression %s, discard %s", info.MaxAge, info.MaxBytes, info.Compression, info.Discard)
	}

	cfg.MaxAge = time.Second // shorter than the duplicate window
	if err := natsx.EnsureStream(t.Context(), js, cfg); err == nil {
		t.Fatal("a retention age under the duplicate window was accepted")
	}
}

func streamConfig(t *testing.T, js jetstream.JetStream) jetstream.StreamConfig {
	t.Helper()
	s, err := js.Stream(t.Context(), "EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.Config
}
