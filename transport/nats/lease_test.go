package nats_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	natsx "github.com/customersvc/customersvc/transport/nats"
)

// broker is a NATS to test against: connect makes a connection of its own
// and names are unique to the test, since an external server is shared.
type broker struct {
	connect func(t *testing.T) *nats.Conn
	prefix  string
}

// brokers are the embedded server, and the machine's NATS when
// CUSTOMERS_TEST_NATS_URL names one.
func brokers(t *testing.T) map[string]broker {
	ns, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: filepath.Join(t.TempDir(), "nats")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	prefix := "T" + uuid.NewString()[:8]
	all := map[string]broker{"embedded": {prefix: prefix, connect: func(t *testing.T) *nats.Conn {
		nc, err := natsx.Connector{Embedded: ns}.Connect("test")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		return nc
	}}}
	if url := os.Getenv("CUSTOMERS_TEST_NATS_URL"); url != "" {
		all["external"] = broker{prefix: prefix, connect: func(t *testing.T) *nats.Conn {
			nc, err := nats.Connect(url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(nc.Close)
			return nc
		}}
	} else {
		t.Log("CUSTOMERS_TEST_NATS_URL is not set; testing on the embedded server only")
	}
	return all
}

func jetStreamOf(t *testing.T, nc *nats.Conn) jetstream.JetStream {
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// removeBuckets deletes the test's buckets and streams when it ends.
func removeAfter(t *testing.T, js jetstream.JetStream, buckets, streams []string) {
	t.Cleanup(func() {
		ctx := context.Background()
		for _, b := range buckets {
			_ = js.DeleteKeyValue(ctx, b)
		}
		for _, s := range streams {
			_ = js.DeleteStream(ctx, s)
		}
	})
}

// contender is one replica campaigning for the lease in a test.
type contender struct {
	name   string
	nc     *nats.Conn
	lease  *natsx.Lease
	stop   context.CancelFunc
	done   chan struct{}
	leads  atomic.Int32
	leader *atomic.Int32 // how many contenders lead right now
	most   *atomic.Int32 // the most that ever led at once
}

func (c *contender) lead(ctx context.Context) error {
	n := c.leader.Add(1)
	for m := c.most.Load(); n > m && !c.most.CompareAndSwap(m, n); m = c.most.Load() {
	}
	c.leads.Add(1)
	<-ctx.Done()
	c.leader.Add(-1)
	return nil
}

// TestLeaseElectsOneLeaderAndHandsOver: three replicas campaign; one leads
// at a time; when it stops another takes over at once, and when it is cut
// off from NATS (no release) another takes over once the lease expires.
func TestLeaseElectsOneLeaderAndHandsOver(t *testing.T) {
	for name, b := range brokers(t) {
		t.Run(name, func(t *testing.T) {
			bucket := b.prefix + "_" + name + "_LEASES"
			var leader, most atomic.Int32
			var contenders []*contender
			for i := range 3 {
				c := &contender{name: fmt.Sprintf("replica-%d", i), nc: b.connect(t), leader: &leader, most: &most, done: make(chan struct{})}
				js := jetStreamOf(t, c.nc)
				if i == 0 {
					removeAfter(t, js, []string{bucket}, nil)
				}
				var err error
				c.lease, err = natsx.NewLease(t.Context(), js, natsx.LeaseConfig{Bucket: bucket, Key: "relay", Holder: c.name, TTL: 4 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				ctx, stop := context.WithCancel(context.Background())
				c.stop = stop
				go func() { defer close(c.done); _ = c.lease.Run(ctx, c.lead) }()
				contenders = append(contenders, c)
			}
			t.Cleanup(func() {
				for _, c := range contenders {
					c.stop()
					<-c.done
				}
			})

			first := waitForLeader(t, contenders, nil)
			if holder, err := first.lease.Holder(t.Context()); err != nil || holder != first.name {
				t.Fatalf("the bucket names %q (%v) while %s leads", holder, err, first.name)
			}
			// A leader that stops releases the lease: another takes over
			// without waiting for it to expire.
			first.stop()
			<-first.done
			second := waitForLeader(t, contenders, first)
			// A leader cut off from NATS cannot renew: it steps down, and
			// another takes over once the lease has expired.
			second.nc.Close()
			third := waitForLeader(t, contenders, second)
			if third == first {
				t.Fatal("a stopped replica leads")
			}
			if second.lease.Held() {
				t.Error("the replica cut off from NATS still believes it leads")
			}
			if m := most.Load(); m != 1 {
				t.Errorf("%d replicas led at once", m)
			}
		})
	}
}

// waitForLeader waits until one contender other than not leads, and
// returns it.
func waitForLeader(t *testing.T, contenders []*contender, not *contender) *contender {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, c := range contenders {
			if c != not && c.lease.Held() {
				return c
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no replica took the lease within 20s")
	return nil
}

// TestLeaseRefusesBadConfig: a lease without a name or with a TTL under a
// second is refused.
func TestLeaseRefusesBadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []natsx.LeaseConfig{
		{Key: "relay", Holder: "a"},
		{Bucket: "B", Key: "relay", Holder: "a", TTL: time.Millisecond},
	} {
		if err := cfg.Validate(); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// TestLeaseStepsDownBeforeItExpires: the leader's path to NATS goes
// silent (nothing is refused, nothing answers). It must stop leading
// before its lease expires and another replica takes over: at no time do
// two lead.
func TestLeaseStepsDownBeforeItExpires(t *testing.T) {
	t.Parallel()
	ns, err := natsx.StartEmbedded(natsx.EmbeddedConfig{StoreDir: filepath.Join(t.TempDir(), "nats"), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	proxy := startStallProxy(t, strings.TrimPrefix(ns.ClientURL(), "nats://"))
	var leader, most atomic.Int32
	start := func(name, url string) *contender {
		nc, err := nats.Connect(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		c := &contender{name: name, nc: nc, leader: &leader, most: &most, done: make(chan struct{})}
		c.lease, err = natsx.NewLease(t.Context(), jetStreamOf(t, nc), natsx.LeaseConfig{Bucket: "LEASES", Key: "relay", Holder: name, TTL: 4 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		c.stop = stop
		go func() { defer close(c.done); _ = c.lease.Run(ctx, c.lead) }()
		t.Cleanup(func() { stop(); <-c.done })
		return c
	}
	silent := start("behind-the-proxy", "nats://"+proxy.addr)
	waitForLeader(t, []*contender{silent}, nil)
	other := start("direct", ns.ClientURL())
	proxy.stall()
	if got := waitForLeader(t, []*contender{silent, other}, silent); got != other {
		t.Fatalf("%s leads", got.name)
	}
	if m := most.Load(); m != 1 {
		t.Errorf("%d replicas led at once: the silent leader did not step down before its lease expired", m)
	}
}

// stallProxy forwards TCP connections until stall, after which it forwards
// nothing more, in either direction, without closing anything: a network
// path that went silent.
type stallProxy struct {
	addr    string
	stalled atomic.Bool
}

func startStallProxy(t *testing.T, target string) *stallProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &stallProxy{addr: ln.Addr().String()}
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			t.Cleanup(func() { in.Close(); out.Close() })
			go p.pipe(out, in)
			go p.pipe(in, out)
		}
	}()
	return p
}

func (p *stallProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for p.stalled.Load() {
			time.Sleep(10 * time.Millisecond)
			if err != nil {
				return
			}
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *stallProxy) stall() { p.stalled.Store(true) }
