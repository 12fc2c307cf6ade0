package app_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats-server/v2/server"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
)

// natsServer is a real nats-server on TCP, standing in for the external
// broker so that the test can stop and restart it.
func natsServer(t *testing.T, port int, storeDir string) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: storeDir, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	return ns
}

// TestBrokerOutage stops the external NATS for ten seconds under load:
// creates keep succeeding, /readyz stays 200 naming the broker as degraded
// (without its address: details go to the log), and once NATS is back the
// read model converges with nothing lost.
func TestBrokerOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("stops NATS for ten seconds")
	}
	t.Parallel()
	storeDir := t.TempDir()
	ns := natsServer(t, server.RANDOM_PORT, storeDir)
	addr := ns.Addr().String()
	url := ns.ClientURL()
	svc := startService(t, t.TempDir(), func(c *app.Config) { c.NATSURL = url; c.NATSStreamMaxBytes = 0 })
	tok := token(t, "Reseller", "reseller-"+uuid.NewString())

	var created atomic.Int64
	var failed sync.Map
	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				res := svc.do(t, "POST", "/customers", tok, fmt.Sprintf(`{"name":"Outage %d-%d","custom_data":{"vat":"OU%d%09d"}}`, w, i, w, i))
				if res.status == http.StatusCreated {
					created.Add(1)
				} else {
					failed.Store(res.status, string(res.body))
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	ns.Shutdown()
	ns.WaitForShutdown()
	before := created.Load()

	eventually(t, 5*time.Second, func() error {
		res := svc.do(t, "GET", "/readyz", "", nil)
		data := res.json(t)["data"].(map[string]any)
		if res.status != http.StatusOK || fmt.Sprint(data["degraded"], data["down"]) != "[broker] []" ||
			fmt.Sprint(data["checks"]) != "map[broker:degraded event_store:up read_model:up]" {
			return fmt.Errorf("readyz during the outage: %d %s", res.status, res.body)
		}
		if _, port, _ := net.SplitHostPort(addr); strings.Contains(string(res.body), port) {
			t.Errorf("readyz shows the broker's address: %s", res.body)
		}
		return nil
	})
	time.Sleep(10 * time.Second)
	if during := created.Load() - before; during < 100 {
		t.Errorf("only %d creates succeeded while NATS was down", during)
	}
	ns = natsServer(t, portOf(t, addr), storeDir)
	time.Sleep(300 * time.Millisecond)
	stopLoad()
	wg.Wait()
	failed.Range(func(k, v any) bool {
		t.Errorf("a create failed during the outage: %v %v", k, v)
		return true
	})

	total := created.Load()
	eventually(t, 30*time.Second, func() error {
		if _, p := listOf(t, svc, tok, "?page_size=1"); p["total_count"] != float64(total) {
			return fmt.Errorf("read model has %v of %d customers", p["total_count"], total)
		}
		return nil
	})
	eventually(t, 10*time.Second, func() error {
		if res := svc.do(t, "GET", "/readyz", "", nil); res.status != http.StatusOK || !strings.Contains(string(res.body), `"degraded":[]`) {
			return fmt.Errorf("readyz after the outage: %d %s", res.status, res.body)
		}
		return nil
	})
	t.Logf("%d creates, %d of them while NATS was down", total, total-before)
	svc.stop() // before NATS, so that the service drains against a live broker
	ns.Shutdown()
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, portText, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatal(err)
	}
	return port
}
