package deployments_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// testSecret stands for the AUTH_HS256_SECRET an operator exports before
// `docker compose up`.
const testSecret = "0123456789abcdef0123456789abcdef"

// loadCompose loads a compose file as `docker compose -f file config` does
// with env as the only environment: interpolated, paths resolved, checked
// against the compose specification and for consistency (every service,
// volume and network it names exists).
func loadCompose(file string, env ...string) (*types.Project, error) {
	opts, err := cli.NewProjectOptions([]string{file}, cli.WithEnv(env))
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

func composeFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("compose*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no compose files in deployments/ (%v)", err)
	}
	return files
}

// serviceReplicas are the services that run customersvc: built from
// deployments/Dockerfile.
func serviceReplicas(p *types.Project) []types.ServiceConfig {
	var replicas []types.ServiceConfig
	for _, s := range p.Services {
		if s.Build != nil && filepath.ToSlash(s.Build.Dockerfile) == "deployments/Dockerfile" {
			replicas = append(replicas, s)
		}
	}
	return replicas
}

// environment is a service's resolved environment; a variable without a
// value (taken from the host at run time) maps to "".
func environment(s types.ServiceConfig) map[string]string {
	env := map[string]string{}
	for k, v := range s.Environment {
		env[k] = ""
		if v != nil {
			env[k] = *v
		}
	}
	return env
}

func TestComposeFilesLoad(t *testing.T) {
	t.Parallel()
	for _, file := range composeFiles(t) {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			p, err := loadCompose(file, "AUTH_HS256_SECRET="+testSecret)
			if err != nil {
				t.Fatalf("docker compose would refuse %s: %v", file, err)
			}
			replicas := serviceReplicas(p)
			if len(replicas) == 0 {
				t.Fatalf("%s runs no service built from deployments/Dockerfile", file)
			}
			for _, s := range replicas {
				checkComposeReplica(t, s)
			}
			checkSecretRequired(t, file)
		})
	}
}

// checkComposeReplica checks what every compose file owes a replica: only
// settings the service reads, the token secret from the operator, its own
// DATA_DIR, and time for a graceful stop.
func checkComposeReplica(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	env := environment(s)
	names := make([]string, 0, len(env))
	for name := range env {
		names = append(names, name)
	}
	checkReadByService(t, "service "+s.Name, names)
	if env["AUTH_HS256_SECRET"] != testSecret {
		t.Errorf("service %s: AUTH_HS256_SECRET is %q, want the operator's ${AUTH_HS256_SECRET}", s.Name, env["AUTH_HS256_SECRET"])
	}
	stop := 10 * time.Second // Docker's default
	if s.StopGracePeriod != nil {
		stop = time.Duration(*s.StopGracePeriod)
	}
	if limit := shutdownTimeout(t, env); stop <= limit {
		t.Errorf("service %s: stop_grace_period %v does not outlast SHUTDOWN_TIMEOUT %v: Docker kills the graceful stop", s.Name, stop, limit)
	}
	if s.GetScale() > 1 {
		t.Errorf("service %s: %d replicas of one service share its volumes; give each replica a service and a DATA_DIR of its own", s.Name, s.GetScale())
	}
}

// checkSecretRequired makes sure the file cannot start the service with a
// secret nobody chose.
func checkSecretRequired(t *testing.T, file string) {
	t.Helper()
	_, err := loadCompose(file)
	if err == nil || !strings.Contains(err.Error(), "AUTH_HS256_SECRET") {
		t.Errorf("%s loads without AUTH_HS256_SECRET (error: %v); require it with ${AUTH_HS256_SECRET:?...}", file, err)
	}
}
