package deployments_test

import (
	"flag"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/nats-io/nats-server/v2/server"
)

func TestComposeNATSNodesFormOneCluster(t *testing.T) {
	t.Parallel()
	p := loadReplicas(t)
	opts := map[string]*server.Options{}
	for _, s := range p.Services {
		if strings.HasPrefix(s.Image, "nats:") {
			opts[s.Name] = natsOptions(t, s)
		}
	}
	if len(opts) != 3 {
		t.Fatalf("%s runs %d NATS nodes, want 3", replicasFile, len(opts))
	}
	names, clusters, stores := map[string]string{}, map[string]bool{}, map[string]string{}
	for node, o := range opts {
		// NewServer validates the options as a starting server does,
		// without listening or touching the store.
		if s, err := server.NewServer(o); err != nil {
			t.Errorf("nats-server would refuse the options of %s: %v", node, err)
		} else {
			s.Shutdown()
		}
		if !o.JetStream {
			t.Errorf("NATS node %s runs without JetStream", node)
		}
		if other, ok := names[o.ServerName]; ok || o.ServerName == "" {
			t.Errorf("NATS nodes %s and %s share the server name %q; JetStream needs one per node", other, node, o.ServerName)
		}
		names[o.ServerName] = node
		clusters[o.Cluster.Name] = true
		store := volumeAt(p.Services[node], o.StoreDir)
		if other, ok := stores[store]; ok || store == "" {
			t.Errorf("NATS node %s keeps JetStream (%s) in no volume of its own (shared with %q)", node, o.StoreDir, other)
		}
		stores[store] = node
		checkRoutes(t, node, o, opts)
	}
	if len(clusters) != 1 || clusters[""] {
		t.Errorf("the NATS nodes name clusters %v, want one name for all", sortedKeys(clusters))
	}
}

// checkRoutes wants a node's routes to reach every other node's cluster
// port; a route to itself is dropped by nats-server.
func checkRoutes(t *testing.T, node string, o *server.Options, nodes map[string]*server.Options) {
	t.Helper()
	for other, oo := range nodes {
		reaches := slices.ContainsFunc(o.Routes, func(r *url.URL) bool {
			return r.Hostname() == other && r.Port() == strconv.Itoa(oo.Cluster.Port)
		})
		if other != node && !reaches {
			t.Errorf("NATS node %s has no route to %s:%d (routes %v)", node, other, oo.Cluster.Port, o.Routes)
		}
	}
}

// natsNodes are the NATS services' client ports by name.
func natsNodes(t *testing.T, p *types.Project) map[string]int {
	t.Helper()
	nodes := map[string]int{}
	for _, s := range p.Services {
		if strings.HasPrefix(s.Image, "nats:") {
			nodes[s.Name] = natsOptions(t, s).Port
		}
	}
	return nodes
}

// natsFlags serialises server.ConfigureOptions, which records the flags it
// saw in a package variable of nats-server.
var natsFlags sync.Mutex

// natsOptions reads a NATS service's command line the way nats-server
// does, configuration file included (taken from the host path bound at
// the file's place in the container).
func natsOptions(t *testing.T, s types.ServiceConfig) *server.Options {
	t.Helper()
	args := slices.Clone([]string(s.Command))
	for i := 1; i < len(args); i++ {
		if args[i-1] == "--config" || args[i-1] == "-c" {
			args[i] = hostPath(t, s, args[i])
		}
	}
	fs := flag.NewFlagSet("nats-server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	noop := func() {}
	natsFlags.Lock()
	opts, err := server.ConfigureOptions(fs, args, noop, noop, noop)
	natsFlags.Unlock()
	if err != nil {
		t.Fatalf("nats-server would refuse the command line of %s %v: %v", s.Name, s.Command, err)
	}
	if opts.Port == 0 {
		opts.Port = server.DEFAULT_PORT
	}
	return opts
}

// hostPath is the host file bound at target in the service's container.
func hostPath(t *testing.T, s types.ServiceConfig, target string) string {
	t.Helper()
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind && v.Target == target {
			return v.Source
		}
	}
	t.Fatalf("service %s reads %s, which no bind mount provides", s.Name, target)
	return ""
}

// volumeAt is the named volume mounted at dir or above it, "" if none.
func volumeAt(s types.ServiceConfig, dir string) string {
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeVolume && (dir == v.Target || strings.HasPrefix(dir, v.Target+"/")) {
			return v.Source
		}
	}
	return ""
}
