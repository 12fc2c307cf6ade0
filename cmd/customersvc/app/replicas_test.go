package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
	"github.com/customersvc/customersvc/command/eventstore/esdb/esdbtest"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// readModels are the read models the replica tests run on: one in each
// replica's DATA_DIR, and one PostgreSQL database they share when
// CUSTOMERS_TEST_POSTGRES_URL names a server.
func readModels() map[string]func(t *testing.T) func(*app.Config) {
	return map[string]func(t *testing.T) func(*app.Config){
		"local read models": func(*testing.T) func(*app.Config) { return func(*app.Config) {} },
		"shared postgres read model": func(t *testing.T) func(*app.Config) {
			url := testPostgresDatabase(t)
			return func(c *app.Config) { c.ReadModelURL = url }
		},
	}
}

// cluster is three replicas on one EventStoreDB (the gRPC test double),
// the machine's NATS and one read-model choice.
type cluster struct {
	replicas []*testService
	stream   string
	prefix   string
	natsURL  string
}

func startCluster(t *testing.T, readModel func(*app.Config), n int) *cluster {
	t.Helper()
	withNATS := externalNATS(t)
	esdb := esdbDouble(t)
	c := &cluster{natsURL: os.Getenv("CUSTOMERS_TEST_NATS_URL")}
	for i := range n {
		svc := startService(t, t.TempDir(), withNATS, readModel, func(cfg *app.Config) {
			cfg.EventStoreURL = esdb
			cfg.ReplicaName = fmt.Sprintf("replica-%d", i)
			cfg.RelayLeaseTTL = 3 * time.Second
			c.stream, c.prefix = cfg.NATSStream, cfg.NATSSubjectPrefix
		})
		c.replicas = append(c.replicas, svc)
	}
	return c
}

// esdbDouble starts the EventStoreDB test double for the test and returns
// its URL.
func esdbDouble(t *testing.T) string {
	t.Helper()
	srv, err := esdbtest.Start()
	if err != nil {
		t.Fatalf("EventStoreDB test double: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv.URL()
}

// leader waits for the replica that relays, and returns its index.
func (c *cluster) leader(t *testing.T, alive func(int) bool) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for i, r := range c.replicas {
			if alive(i) && r.LeadsRelay() {
				return i
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no replica leads the relay")
	return -1
}

// TestReplicasBehaveAsOneService: creates spread over three replicas under
// load; the relay's leader is killed midway. Then every surviving
// replica lists exactly the acknowledged customers (plus, once at most,
// creates whose answer was lost with the killed replica), every event is on
// NATS exactly once and in log order, and a customer created on one
// replica is found at once on another.
func TestReplicasBehaveAsOneService(t *testing.T) {
	for name, readModel := range readModels() {
		t.Run(name, func(t *testing.T) {
			testReplicas(t, readModel(t))
		})
	}
}

func testReplicas(t *testing.T, readModel func(*app.Config)) {
	c := startCluster(t, readModel, 3)
	org := "reseller-" + uuid.NewString()
	tok := token(t, "Reseller", org)

	var (
		mu       sync.Mutex
		acked    = map[string]string{} // id → name
		lost     = map[string]bool{}   // names whose answer was lost
		readMiss []string
		failures []string
		killed   atomic.Int32 // index+1 of the killed replica
		seq      atomic.Int64
	)
	alive := func(i int) bool { return int(killed.Load()) != i+1 }
	client := &http.Client{Timeout: 20 * time.Second}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for k := w; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				i := k % 3
				if !alive(i) {
					continue
				}
				name := fmt.Sprintf("Replica load %d", seq.Add(1))
				id, status := postCustomer(client, c.replicas[i].base, tok, name)
				mu.Lock()
				switch {
				case status == http.StatusCreated:
					acked[id] = name
				case !alive(i): // the answer was lost with the killed replica
					lost[name] = true
				default:
					failures = append(failures, fmt.Sprintf("create on replica %d: %d", i, status))
				}
				mu.Unlock()
				if status != http.StatusCreated {
					continue
				}
				// Read your write on another replica.
				j := (i + 1) % 3
				if !alive(j) {
					j = (i + 2) % 3
				}
				if st := getStatus(client, c.replicas[j].base, tok, id); st != http.StatusOK && alive(j) {
					mu.Lock()
					readMiss = append(readMiss, fmt.Sprintf("%s on replica %d: %d", id, j, st))
					mu.Unlock()
				}
			}
		})
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	waitFor := func(n int) {
		deadline := time.Now().Add(60 * time.Second)
		for count() < n && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(200)
	victim := c.leader(t, alive)
	killed.Store(int32(victim + 1))
	c.replicas[victim].Kill()
	c.replicas[victim].Service = nil
	t.Logf("killed the relay leader, replica-%d, after %d creates", victim, count())
	killedAt := time.Now()
	next := c.leader(t, alive)
	t.Logf("replica-%d took the relay over %s after the kill (lease TTL 3s)", next, time.Since(killedAt).Round(time.Millisecond))
	before := count()
	waitFor(before + 200)
	close(stop)
	wg.Wait()
	t.Logf("%d creates acknowledged, %d answers lost", len(acked), len(lost))
	if len(failures) > 0 {
		t.Errorf("%d creates failed on live replicas, e.g. %s", len(failures), failures[0])
	}
	if len(readMiss) > 0 {
		t.Errorf("%d customers not found on another replica right after their 201, e.g. %s", len(readMiss), readMiss[0])
	}

	for i, r := range c.replicas {
		if !alive(i) {
			continue
		}
		eventually(t, 60*time.Second, func() error { return listsExactly(t, r, tok, acked, lost) })
	}
	checkStream(t, c, acked)
}

// listsExactly checks that the replica lists every acknowledged customer
// and, besides, only customers whose answer was lost, each once.
func listsExactly(t *testing.T, r *testService, tok string, acked map[string]string, lost map[string]bool) error {
	seen := map[string]map[string]bool{} // name → ids listed under it
	for page := 1; ; page++ {
		res := r.do(t, "GET", "/customers?page_size=100&sort_by=created_at&sort_direction=asc&page="+strconv.Itoa(page), tok, nil)
		if res.status != http.StatusOK {
			return fmt.Errorf("list on %s: %d %s", r.Replica(), res.status, res.body)
		}
		data := res.json(t)["data"].(map[string]any)
		for _, c := range data["customers"].([]any) {
			m := c.(map[string]any)
			id, name := m["id"].(string), m["name"].(string)
			if seen[name] == nil {
				seen[name] = map[string]bool{}
			}
			if seen[name][id] {
				// Offset paging over a list that grows meanwhile (the
				// projectors still apply) can show a row on two pages.
				return fmt.Errorf("%s lists %s twice while it changes; again", r.Replica(), id)
			}
			seen[name][id] = true
			if acked[id] == "" && !lost[name] {
				t.Fatalf("%s lists %s (%s), which nobody created", r.Replica(), id, name)
			}
		}
		if data["pagination"].(map[string]any)["has_next"] != true {
			break
		}
	}
	for name, ids := range seen {
		if len(ids) > 1 {
			t.Fatalf("%s lists %d customers named %q", r.Replica(), len(ids), name)
		}
	}
	for id, name := range acked {
		if !seen[name][id] {
			return fmt.Errorf("%s does not list acknowledged customer %s (%s) yet", r.Replica(), id, name)
		}
	}
	return nil
}

// checkStream reads the whole stream: every event once (by message ID), in
// the log's order, every acknowledged customer among them.
func checkStream(t *testing.T, c *cluster, acked map[string]string) {
	t.Helper()
	js, err := jetstream.New(natsConn(t, c.natsURL))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stream, err := js.Stream(ctx, c.stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	consumer, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ids, subjects := map[string]bool{}, map[string]bool{}
	var last uint64
	for read := uint64(0); read < info.State.Msgs; {
		batch, err := consumer.Fetch(500, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for msg := range batch.Messages() {
			read++
			h := msg.Headers()
			id := h.Get(natsx.HeaderMsgID)
			if ids[id] {
				t.Errorf("event %s is on the stream twice", id)
			}
			ids[id] = true
			subjects[h.Get(natsx.HeaderSubject)] = true
			pos, err := strconv.ParseUint(h.Get(natsx.HeaderLogPosition), 10, 64)
			if err != nil || pos <= last {
				t.Errorf("event %s at log position %q after %d: out of the log's order", id, h.Get(natsx.HeaderLogPosition), last)
			}
			last = pos
		}
		if err := batch.Error(); err != nil {
			t.Fatal(err)
		}
	}
	for id := range acked {
		if !subjects[id] {
			t.Errorf("acknowledged customer %s never reached NATS", id)
		}
	}
	t.Logf("%d events on the stream, each once, in log order", len(ids))
}

// TestReplicaOnAnEmptyVolumePublishesNothingAgain: a replica started on an
// empty volume, on the event store and NATS of one that stopped, resumes
// the relay from the shared progress: the old events are not published
// again, and its read model catches up before it serves lists.
func TestReplicaOnAnEmptyVolumePublishesNothingAgain(t *testing.T) {
	withNATS := externalNATS(t)
	esdb := esdbDouble(t)
	var stream string
	configure := func(name string) func(*app.Config) {
		return func(c *app.Config) {
			c.EventStoreURL, c.ReplicaName, c.RelayRepublishWindow = esdb, name, 0
			stream = c.NATSStream
		}
	}
	org := "reseller-" + uuid.NewString()
	tok := token(t, "Reseller", org)
	first := startService(t, t.TempDir(), withNATS, configure("first"))
	for i := range 20 {
		first.create(t, tok, fmt.Sprintf("Before the new volume %d", i), uniqueVAT())
	}
	first.stop()

	second := startService(t, t.TempDir(), withNATS, configure("second"))
	second.create(t, tok, "On the new volume", uniqueVAT())
	eventually(t, 30*time.Second, func() error {
		res := second.do(t, "GET", "/customers?page_size=1", tok, nil)
		if res.status != http.StatusOK {
			return fmt.Errorf("list: %d %s", res.status, res.body)
		}
		if total := res.json(t)["data"].(map[string]any)["pagination"].(map[string]any)["total_count"]; total != 21.0 {
			return fmt.Errorf("total_count %v", total)
		}
		return nil
	})
	if published := second.RelayPublished(); published != 1 {
		t.Errorf("the replica on the empty volume published %d events; want 1, the new one", published)
	}
	js, err := jetstream.New(natsConn(t, os.Getenv("CUSTOMERS_TEST_NATS_URL")))
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(t.Context(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 21 {
		t.Errorf("the stream holds %d events; want 21", info.State.Msgs)
	}
}

// postCustomer creates a customer and returns its ID and the status; 0
// when no answer came (the replica died meanwhile).
func postCustomer(client *http.Client, base, tok, name string) (id string, status int) {
	body, _ := json.Marshal(map[string]any{"name": name, "custom_data": map[string]any{"vat": uniqueVAT()}})
	req, _ := http.NewRequest(http.MethodPost, base+"/customers", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return "", 0
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil && res.StatusCode == http.StatusCreated {
		return "", 0 // the body was cut off
	}
	return out.Data.ID, res.StatusCode
}

func getStatus(client *http.Client, base, tok, id string) int {
	req, _ := http.NewRequest(http.MethodGet, base+"/customers/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := client.Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// TestNewReplicaLoadsItsReadModelFromTheEventStore: the stream no longer
// holds the oldest events (its retention removed them; here it is purged).
// A new replica with a local read model still lists every customer: it
// loads its read model from the event store, and answers 503 rather than a
// partial list until then.
func TestNewReplicaLoadsItsReadModelFromTheEventStore(t *testing.T) {
	withNATS := externalNATS(t)
	esdb := esdbDouble(t)
	var stream string
	configure := func(name string) func(*app.Config) {
		return func(c *app.Config) {
			c.EventStoreURL, c.ReplicaName = esdb, name
			stream = c.NATSStream
		}
	}
	tok := token(t, "Reseller", "reseller-"+uuid.NewString())
	first := startService(t, t.TempDir(), withNATS, configure("first"))
	for i := range 30 {
		first.create(t, tok, fmt.Sprintf("Before the purge %d", i), uniqueVAT())
	}
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	first.Service = nil
	js, err := jetstream.New(natsConn(t, os.Getenv("CUSTOMERS_TEST_NATS_URL")))
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(t.Context(), stream)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(t.Context()); err != nil {
		t.Fatal(err)
	}

	second := startService(t, t.TempDir(), withNATS, configure("second"))
	eventually(t, 60*time.Second, func() error {
		res := second.do(t, "GET", "/customers?page_size=1", tok, nil)
		if res.status != http.StatusOK {
			return fmt.Errorf("list: %d %s", res.status, res.body)
		}
		if total := res.json(t)["data"].(map[string]any)["pagination"].(map[string]any)["total_count"]; total != 30.0 {
			t.Fatalf("a list of %v customers of 30: partial", total)
		}
		return nil
	})
	if res := second.do(t, "GET", "/readyz", "", nil); res.status != http.StatusOK {
		t.Errorf("readyz after loading: %d %s", res.status, res.body)
	}
}
