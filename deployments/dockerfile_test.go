package deployments_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestDockerfileRuntimeStage checks the image against what the compose
// files and the manifests expect of it: the user the Deployment runs as,
// and the health checks' curl.
func TestDockerfileRuntimeStage(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	stage := text[strings.LastIndex(text, "\nFROM "):]
	var user string
	for line := range strings.Lines(stage) {
		if rest, ok := strings.CutPrefix(line, "USER "); ok {
			user = strings.TrimSpace(rest)
		}
	}
	// Numeric, or Kubernetes cannot tell that runAsNonRoot holds without
	// a runAsUser of its own.
	uid, _, _ := strings.Cut(user, ":")
	if uid != strconv.Itoa(serviceUID) {
		t.Errorf("Dockerfile: the runtime stage runs as %q, want the numeric user %d of the manifests", user, serviceUID)
	}
	p := loadReplicas(t)
	for _, s := range serviceReplicas(p) {
		if s.HealthCheck == nil || len(s.HealthCheck.Test) < 2 {
			continue
		}
		tool := s.HealthCheck.Test[1] // after CMD
		if !slices.Contains(strings.Fields(stage), tool) {
			t.Errorf("service %s's health check runs %s, which the Dockerfile's runtime stage does not install", s.Name, tool)
		}
	}
}
