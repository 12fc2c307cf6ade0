package app_test

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
)

// TestSlowClientIsCutOff: a client that stops half-way through its request
// is disconnected after the read timeout instead of holding a connection.
func TestSlowClientIsCutOff(t *testing.T) {
	t.Parallel()
	svc := startService(t, t.TempDir(), func(c *app.Config) { c.HTTPReadTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", svc.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("POST /customers HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"name\":")); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(conn)
	if err != nil {
		t.Fatalf("the server did not close the stalled connection: %v", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("stalled connection held for %s", waited)
	}
}
