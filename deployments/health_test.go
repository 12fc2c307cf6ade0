package deployments_test

import (
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// TestComposeHealthChecksAndRestarts: in every compose file every service
// has a health check that can run in its image and a restart policy, and
// the service waits for its stores to be healthy, not merely started.
func TestComposeHealthChecksAndRestarts(t *testing.T) {
	t.Parallel()
	for _, file := range composeFiles(t) {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			p, err := loadCompose(file, "AUTH_HS256_SECRET="+testSecret)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range p.Services {
				checkHealthCheck(t, s)
				if s.Restart != types.RestartPolicyUnlessStopped && s.Restart != types.RestartPolicyAlways {
					t.Errorf("service %s: restart %q; want unless-stopped, so that a crash or a failed start-up is retried", s.Name, s.Restart)
				}
			}
			for _, s := range serviceReplicas(p) {
				for _, store := range p.Services {
					if !isStore(store) {
						continue
					}
					d, ok := s.DependsOn[store.Name]
					if !ok || d.Condition != types.ServiceConditionHealthy {
						t.Errorf("service %s does not wait for %s to be healthy (depends_on %v)", s.Name, store.Name, s.DependsOn)
					}
				}
			}
		})
	}
}

// isStore reports whether s is one of the servers the service needs:
// KurrentDB, NATS or PostgreSQL.
func isStore(s types.ServiceConfig) bool {
	for _, prefix := range []string{"kurrentplatform/kurrentdb:", "nats:", "postgres:"} {
		if strings.HasPrefix(s.Image, prefix) {
			return true
		}
	}
	return false
}

// checkHealthCheck wants a health check that runs a program the image has
// and asks the right thing.
func checkHealthCheck(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	hc := s.HealthCheck
	if hc == nil || hc.Disable || len(hc.Test) < 2 || (hc.Test[0] != "CMD" && hc.Test[0] != "CMD-SHELL") {
		t.Errorf("service %s has no health check", s.Name)
		return
	}
	switch {
	case strings.HasPrefix(s.Image, "nats:"):
		// The default nats image holds nats-server alone: no shell, no
		// wget. The alpine variant has busybox's wget.
		if _, tag, _ := strings.Cut(s.Image, ":"); !strings.HasSuffix(tag, "-alpine") {
			t.Errorf("service %s: image %s has no program to run a health check with; use the -alpine variant", s.Name, s.Image)
		}
		o := natsOptions(t, s)
		u := healthURL(hc.Test)
		if u == nil || u.Path != "/healthz" || o.HTTPPort == 0 || u.Port() != strconv.Itoa(o.HTTPPort) {
			t.Errorf("service %s: health check %v does not ask /healthz on the monitoring port (%d)", s.Name, hc.Test, o.HTTPPort)
		}
	case strings.HasPrefix(s.Image, "postgres:"):
		if hc.Test[1] != "pg_isready" {
			t.Errorf("service %s: health check %v; want pg_isready", s.Name, hc.Test)
		}
	case strings.HasPrefix(s.Image, "kurrentplatform/kurrentdb:"):
		if u := healthURL(hc.Test); u == nil || u.Path != "/health/live" {
			t.Errorf("service %s: health check %v does not ask /health/live", s.Name, hc.Test)
		}
	case s.Build != nil:
		env := environment(s)
		if u := healthURL(hc.Test); u == nil || u.Path != "/readyz" || u.Port() != strconv.Itoa(httpPort(t, env)) {
			t.Errorf("service %s: health check %v does not ask /readyz on HTTP_ADDR's port", s.Name, hc.Test)
		}
		// Start-up may wait for its servers up to STARTUP_TIMEOUT; the
		// health check must not count that against the service.
		if hc.StartPeriod == nil {
			t.Errorf("service %s: health check without start_period", s.Name)
		}
	}
}

// healthURL is the http URL a health check's command asks, nil if none.
func healthURL(test []string) *url.URL {
	for _, arg := range test[1:] {
		if u, err := url.Parse(arg); err == nil && u.Scheme == "http" {
			return u
		}
	}
	return nil
}

// insecureSetting matches what may be used on a developer's machine only:
// a server without TLS or authentication, a default password, a client
// told to skip TLS, a NATS without credentials.
var insecureSetting = regexp.MustCompile(`KURRENTDB_INSECURE: "true"|tls=false|sslmode=disable|\$\{[A-Z_]+:-[^}]+\}@|POSTGRES_PASSWORD: \$\{[A-Z_]+:-|image: nats:`)

// TestComposeMarksInsecureSettingsDevelopmentOnly: every insecure setting
// in a compose file says, in a comment on it or just above it, that it is
// for development only, and the file says so at the top.
func TestComposeMarksInsecureSettingsDevelopmentOnly(t *testing.T) {
	t.Parallel()
	for _, file := range composeFiles(t) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		marked := func(from, to int) bool {
			return slices.ContainsFunc(lines[max(from, 0):to+1], func(l string) bool {
				_, comment, ok := strings.Cut(l, "#")
				return ok && strings.Contains(strings.ToLower(comment), "development only")
			})
		}
		header := slices.IndexFunc(lines, func(l string) bool { return !strings.HasPrefix(l, "#") })
		insecure := false
		for i, line := range lines {
			setting, _, _ := strings.Cut(line, "#")
			if !insecureSetting.MatchString(setting) {
				continue
			}
			insecure = true
			if !marked(i-4, i) {
				t.Errorf("%s:%d: %q is insecure, but no comment on it or above it says development only", file, i+1, strings.TrimSpace(line))
			}
		}
		if insecure && !marked(0, header) {
			t.Errorf("%s: its opening comment does not say that the file is for development only", file)
		}
	}
}
