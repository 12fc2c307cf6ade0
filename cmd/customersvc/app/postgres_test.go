package app_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/cmd/customersvc/app"

	"github.com/customersvc/customersvc/query/readmodel/postgres/pgtest"
)

// testPostgresDatabase is a database of the test's own on the PostgreSQL
// that CUSTOMERS_TEST_POSTGRES_URL names, dropped when the test ends; the
// test is skipped without one.
func testPostgresDatabase(t *testing.T) string {
	t.Helper()
	return pgtest.Database(t)
}

// TestPostgresGoingAwayWhileServing: the read model's PostgreSQL becomes
// unreachable (the connections through a test proxy are cut). /readyz
// names read_model, creates keep working (the event store is the source
// of truth), a customer is still found by its ID (from the log), lists
// answer 503; once it is back, the projector catches up and nothing is
// lost.
func TestPostgresGoingAwayWhileServing(t *testing.T) {
	t.Parallel()
	db := testPostgresDatabase(t)
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startTCPProxy(t, u.Host)
	u.Host = proxy.addr
	svc := startService(t, t.TempDir(), func(c *app.Config) { c.ReadModelURL = u.String() })
	tok := token(t, "Reseller", "reseller-"+uuid.NewString())
	var ids []string
	for i := range 5 {
		ids = append(ids, svc.create(t, tok, fmt.Sprintf("Before the outage %d", i), uniqueVAT())["id"].(string))
	}

	proxy.cut()
	eventually(t, 30*time.Second, func() error {
		res := svc.do(t, "GET", "/readyz", "", nil)
		down, _ := res.json(t)["data"].(map[string]any)["down"].([]any)
		if res.status != http.StatusServiceUnavailable || !slices.Contains(down, any("read_model")) {
			return fmt.Errorf("readyz with the read model away: %d %s", res.status, res.body)
		}
		return nil
	})
	for i := range 5 {
		ids = append(ids, svc.create(t, tok, fmt.Sprintf("During the outage %d", i), uniqueVAT())["id"].(string))
	}
	if res := svc.do(t, "GET", "/customers/"+ids[len(ids)-1], tok, nil); res.status != http.StatusOK {
		t.Errorf("GET by ID with the read model away: %d %s", res.status, res.body)
	}
	if res := svc.do(t, "GET", "/customers", tok, nil); res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" {
		t.Errorf("list with the read model away: %d %s", res.status, res.body)
	} else if body := res.json(t); body["code"] != 503.0 || body["message"] == "" {
		t.Errorf("503 not in the envelope: %s", res.body)
	}

	proxy.restore()
	eventually(t, 60*time.Second, func() error {
		if res := svc.do(t, "GET", "/readyz", "", nil); res.status != http.StatusOK {
			return fmt.Errorf("readyz after the read model came back: %d %s", res.status, res.body)
		}
		res := svc.do(t, "GET", "/customers?page_size=100", tok, nil)
		if res.status != http.StatusOK {
			return fmt.Errorf("list: %d %s", res.status, res.body)
		}
		if total := res.json(t)["data"].(map[string]any)["pagination"].(map[string]any)["total_count"]; total != float64(len(ids)) {
			return fmt.Errorf("the list holds %v of %d customers", total, len(ids))
		}
		return nil
	})
}

// tcpProxy is a test double of a network path: it forwards connections to
// target until cut, which closes them all and refuses new ones, until
// restore.
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func startTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", p.target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *tcpProxy) restore() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}
