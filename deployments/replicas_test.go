package deployments_test

import (
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/compose-spec/compose-go/v2/types"
)

// The replicated setup: three replicas behind a load balancer, sharing
// KurrentDB, a three-node NATS cluster and PostgreSQL.
const replicasFile = "compose.replicas.yaml"

func loadReplicas(t *testing.T) *types.Project {
	t.Helper()
	p, err := loadCompose(replicasFile, "AUTH_HS256_SECRET="+testSecret)
	if err != nil {
		t.Fatalf("docker compose would refuse %s: %v", replicasFile, err)
	}
	return p
}

func TestComposeReplicasShareTheirDependencies(t *testing.T) {
	t.Parallel()
	p := loadReplicas(t)
	replicas := serviceReplicas(p)
	if len(replicas) != 3 {
		t.Fatalf("%s runs %d replicas of the service, want 3", replicasFile, len(replicas))
	}
	nodes := natsNodes(t, p)
	for _, s := range replicas {
		env := environment(s)
		checkEventStoreURL(t, p, s, env["EVENTSTORE_URL"])
		checkNATSURL(t, s, env["NATS_URL"], nodes)
		// Fewer copies than nodes leaves the stream on some of them only:
		// one node down stops the relay.
		if env["NATS_REPLICAS"] != strconv.Itoa(len(nodes)) {
			t.Errorf("service %s: NATS_REPLICAS %q, want a copy on each of the %d NATS nodes", s.Name, env["NATS_REPLICAS"], len(nodes))
		}
		checkReadModelURL(t, p, s, env["READMODEL_URL"])
		checkReadyzHealthcheck(t, s)
	}
	checkOwnDataDirs(t, replicas)
}

// dependsOn checks that s waits for dep, and for its health check when it
// has one.
func dependsOn(t *testing.T, p *types.Project, s types.ServiceConfig, dep string) {
	t.Helper()
	d, ok := s.DependsOn[dep]
	if !ok {
		t.Errorf("service %s does not depend on %s", s.Name, dep)
		return
	}
	if p.Services[dep].HealthCheck != nil && d.Condition != types.ServiceConditionHealthy {
		t.Errorf("service %s starts when %s has started (%s), not when it is healthy", s.Name, dep, d.Condition)
	}
}

func checkEventStoreURL(t *testing.T, p *types.Project, s types.ServiceConfig, raw string) {
	t.Helper()
	cfg, err := esdb.ParseConnectionString(raw)
	if err != nil {
		t.Errorf("service %s: EVENTSTORE_URL %q: %v", s.Name, raw, err)
		return
	}
	for _, host := range eventStoreHosts(cfg) {
		dep, ok := p.Services[host]
		if !ok || !strings.HasPrefix(dep.Image, "kurrentplatform/kurrentdb:") {
			t.Errorf("service %s: EVENTSTORE_URL names %s, which is no KurrentDB service of %s", s.Name, host, replicasFile)
			continue
		}
		dependsOn(t, p, s, host)
	}
}

// eventStoreHosts are the hosts a connection string names: the one node
// or the gossip seeds.
func eventStoreHosts(cfg *esdb.Configuration) []string {
	if len(cfg.GossipSeeds) == 0 {
		host, _, _ := strings.Cut(cfg.Address, ":")
		return []string{host}
	}
	hosts := make([]string, len(cfg.GossipSeeds))
	for i, seed := range cfg.GossipSeeds {
		hosts[i] = seed.Host
	}
	return hosts
}

// checkNATSURL wants every node of the cluster in the replica's NATS_URL,
// so that it reconnects to another node when one stops.
func checkNATSURL(t *testing.T, s types.ServiceConfig, raw string, nodes map[string]int) {
	t.Helper()
	var named []string
	for _, part := range strings.Split(raw, ",") {
		u, err := url.Parse(strings.TrimSpace(part))
		if err != nil || u.Scheme != "nats" {
			t.Errorf("service %s: NATS_URL part %q is not a nats:// URL", s.Name, part)
			continue
		}
		port, ok := nodes[u.Hostname()]
		if !ok || u.Port() != strconv.Itoa(port) {
			t.Errorf("service %s: NATS_URL names %s, which is no client port of a NATS node (%v)", s.Name, u.Host, nodes)
		}
		named = append(named, u.Hostname())
	}
	sort.Strings(named)
	if want := sortedKeys(nodes); !slices.Equal(named, want) {
		t.Errorf("service %s: NATS_URL names %v, want each node once: %v", s.Name, named, want)
	}
	for _, node := range named {
		if _, ok := s.DependsOn[node]; !ok {
			t.Errorf("service %s does not depend on %s", s.Name, node)
		}
	}
}

func checkReadModelURL(t *testing.T, p *types.Project, s types.ServiceConfig, raw string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Errorf("service %s: READMODEL_URL %q is not a postgres:// URL", s.Name, raw)
		return
	}
	db, ok := p.Services[u.Hostname()]
	if !ok || !strings.HasPrefix(db.Image, "postgres:") {
		t.Errorf("service %s: READMODEL_URL names %s, which is no PostgreSQL service", s.Name, u.Hostname())
		return
	}
	if db.HealthCheck == nil {
		t.Errorf("service %s has no health check: the replicas cannot wait for it", db.Name)
	}
	dependsOn(t, p, s, db.Name)
	password, _ := u.User.Password()
	dbEnv := environment(db)
	if u.User.Username() != dbEnv["POSTGRES_USER"] || password != dbEnv["POSTGRES_PASSWORD"] || u.Path != "/"+dbEnv["POSTGRES_DB"] {
		t.Errorf("service %s: READMODEL_URL's user, password or database is not the one %s creates (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB)", s.Name, db.Name)
	}
}

func checkReadyzHealthcheck(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	if s.HealthCheck == nil || s.HealthCheck.Disable || !slices.ContainsFunc(s.HealthCheck.Test, func(arg string) bool {
		return strings.HasSuffix(arg, "/readyz")
	}) {
		t.Errorf("service %s has no health check on /readyz", s.Name)
	}
}

// checkOwnDataDirs: replicas sharing a DATA_DIR would share the id that
// names a replica, and any store left in it.
func checkOwnDataDirs(t *testing.T, replicas []types.ServiceConfig) {
	t.Helper()
	owner := map[string]string{}
	for _, s := range replicas {
		dataDir := environment(s)["DATA_DIR"]
		if dataDir == "" {
			dataDir = "/data" // the Dockerfile's
		}
		i := slices.IndexFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == dataDir })
		if i < 0 || s.Volumes[i].Type != types.VolumeTypeVolume || s.Volumes[i].Source == "" {
			t.Errorf("service %s keeps DATA_DIR %s in no named volume", s.Name, dataDir)
			continue
		}
		if other, ok := owner[s.Volumes[i].Source]; ok {
			t.Errorf("services %s and %s share the volume %s as DATA_DIR", other, s.Name, s.Volumes[i].Source)
		}
		owner[s.Volumes[i].Source] = s.Name
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
