package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/mattn/go-sqlite3"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
)

func streamMessages(t *testing.T, svc *testService) uint64 {
	t.Helper()
	nc := natsConn(t, svc.NATSURL())
	js, _ := jetstream.New(nc)
	s, err := js.Stream(context.Background(), svc.cfg.NATSStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// TestRepublishWindow: after a restart the relay publishes the last window
// of the log again. Where JetStream still has the events it drops the
// copies; where it lost them (a machine crash before its fsync, simulated
// here by deleting its files and the read model's rows) the read model
// converges again.
func TestRepublishWindow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	listen := func(c *app.Config) { c.NATSEmbeddedListen = "127.0.0.1:0" }
	tok := token(t, "Reseller", "reseller-"+uuid.NewString())

	first := startService(t, dir, listen)
	for i := range 10 {
		first.create(t, tok, fmt.Sprintf("Windowed %d", i), uniqueVAT())
	}
	first.stop()

	second := startService(t, dir, listen)
	eventually(t, 5*time.Second, func() error {
		if n := second.RelayPublished(); n != 10 {
			return fmt.Errorf("relay re-published %d events, want the 10 of the window", n)
		}
		return nil
	})
	if n := streamMessages(t, second); n != 10 {
		t.Errorf("stream holds %d messages after the re-publish; JetStream should have dropped the copies", n)
	}
	second.stop()

	// JetStream loses everything, the read model never saw the events.
	if err := os.RemoveAll(filepath.Join(dir, "nats")); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", filepath.Join(dir, "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	// Its rows and their counters: a read model that never saw them.
	if _, err := db.Exec("DELETE FROM customers; DELETE FROM customer_counts"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	third := startService(t, dir, listen)
	eventually(t, 10*time.Second, func() error {
		if names, p := listOf(t, third, tok, ""); p["total_count"] != 10.0 || len(names) != 10 {
			return fmt.Errorf("read model lists %d customers of a total of %v after JetStream lost its data, want 10",
				len(names), p["total_count"])
		}
		return nil
	})
}
