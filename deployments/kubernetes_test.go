package deployments_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
)

// The Dockerfile's user, and the number of replicas the service runs with.
const (
	serviceUID   = 10001
	wantReplicas = 3
)

func TestKubernetesManifestsLiveInDefinedNamespaces(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	for ns, objects := range m.objects {
		if _, ok := m.namespaces[ns]; !ok {
			t.Errorf("%v: namespace %q is not defined by the manifests (and an object without one lands wherever kubectl points)", objects, ns)
		}
	}
}

func TestKubernetesDeployment(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	d, c := m.service(t)
	if r := d.Spec.Replicas; r == nil || *r != wantReplicas {
		t.Errorf("Deployment %s: replicas %s, want %d", d.Name, orUnset(r), wantReplicas)
	}
	if !selects(d.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("Deployment %s: its selector does not select its own pods", d.Name)
	}
	if image := c.Image; !strings.Contains(image, ":") || strings.HasSuffix(image, ":latest") {
		t.Errorf("container %s: image %q has no release tag", c.Name, image)
	}
	checkResources(t, c)
	checkSpread(t, d)
	checkGracefulStop(t, d, c, m.env(d.Namespace, c))
	checkWritableDirs(t, d, c, m.env(d.Namespace, c))
}

func TestKubernetesProbes(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	d, c := m.service(t)
	port := int32(httpPort(t, m.env(d.Namespace, c)))
	if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.ContainerPort == port }) {
		t.Errorf("container %s does not declare the port it serves, %d (HTTP_ADDR)", c.Name, port)
	}
	for _, probe := range []struct {
		name  string
		probe *corev1.Probe
		paths []string
	}{
		{"livenessProbe", c.LivenessProbe, []string{"/livez"}},
		{"readinessProbe", c.ReadinessProbe, []string{"/readyz"}},
		{"startupProbe", c.StartupProbe, []string{"/livez", "/readyz"}},
	} {
		switch get := httpGet(probe.probe); {
		case get == nil:
			t.Errorf("container %s has no HTTP %s", c.Name, probe.name)
		case !slices.Contains(probe.paths, get.Path):
			t.Errorf("container %s: %s asks %s, want %v", c.Name, probe.name, get.Path, probe.paths)
		case containerPort(c, get.Port) != port:
			t.Errorf("container %s: %s asks port %s, not the service's %d", c.Name, probe.name, get.Port.String(), port)
		}
	}
}

func TestKubernetesSecurityContext(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	d, c := m.service(t)
	pod := d.Spec.Template.Spec.SecurityContext
	if pod == nil {
		pod = &corev1.PodSecurityContext{}
	}
	sc := c.SecurityContext
	if sc == nil {
		t.Fatalf("container %s has no securityContext", c.Name)
	}
	// A container's setting wins over the pod's.
	runAsNonRoot := cmpOr(sc.RunAsNonRoot, pod.RunAsNonRoot)
	runAsUser := cmpOr(sc.RunAsUser, pod.RunAsUser)
	seccomp := cmpOr(sc.SeccompProfile, pod.SeccompProfile)
	for _, problem := range []struct {
		bad  bool
		what string
	}{
		{runAsNonRoot == nil || !*runAsNonRoot, "runAsNonRoot is not true"},
		{runAsUser == nil || *runAsUser != serviceUID, "runAsUser is not the Dockerfile's user 10001"},
		{sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem, "readOnlyRootFilesystem is not true"},
		{sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation, "allowPrivilegeEscalation is not false"},
		{sc.Privileged != nil && *sc.Privileged, "privileged"},
		{sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0, "capabilities do not drop ALL (and add none)"},
		{seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault, "seccompProfile is not RuntimeDefault"},
	} {
		if problem.bad {
			t.Errorf("container %s: %s", c.Name, problem.what)
		}
	}
}

func checkResources(t *testing.T, c corev1.Container) {
	t.Helper()
	req, lim := c.Resources.Requests, c.Resources.Limits
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := req[r]; !ok || q.IsZero() {
			t.Errorf("container %s requests no %s", c.Name, r)
		}
	}
	memory, ok := lim[corev1.ResourceMemory]
	if !ok || memory.Cmp(req[corev1.ResourceMemory]) < 0 {
		t.Errorf("container %s: memory limit %v is missing or below the request", c.Name, memory.String())
	}
	// Without GOMEMLIMIT the service holds its heap to 1 GiB
	// (cmd/customersvc): a smaller limit kills it before the collector
	// has tried.
	if memory.Cmp(resource.MustParse("1Gi")) < 0 && !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "GOMEMLIMIT" }) {
		t.Errorf("container %s: memory limit %s is below the service's 1 GiB heap limit and GOMEMLIMIT is not set", c.Name, memory.String())
	}
}

// checkSpread wants the replicas on different nodes: one node's loss must
// not take them all.
func checkSpread(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template
	spread := slices.ContainsFunc(pod.Spec.TopologySpreadConstraints, func(c corev1.TopologySpreadConstraint) bool {
		return c.TopologyKey == "kubernetes.io/hostname" && selects(c.LabelSelector, pod.Labels)
	})
	if a := pod.Spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		for _, term := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			spread = spread || selects(term.PodAffinityTerm.LabelSelector, pod.Labels)
		}
		for _, term := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			spread = spread || selects(term.LabelSelector, pod.Labels)
		}
	}
	if !spread {
		t.Errorf("Deployment %s: no topology spread over nodes or pod anti-affinity for its own pods", d.Name)
	}
}

// checkGracefulStop wants the kubelet to wait for preStop and the
// service's SHUTDOWN_TIMEOUT before it kills the pod.
func checkGracefulStop(t *testing.T, d *appsv1.Deployment, c corev1.Container, env map[string]string) {
	t.Helper()
	grace := 30 * time.Second // Kubernetes' default
	if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	need := shutdownTimeout(t, env)
	if l := c.Lifecycle; l != nil && l.PreStop != nil && l.PreStop.Sleep != nil {
		need += time.Duration(l.PreStop.Sleep.Seconds) * time.Second
	}
	if grace <= need {
		t.Errorf("Deployment %s: terminationGracePeriodSeconds %v does not outlast preStop and SHUTDOWN_TIMEOUT (%v)", d.Name, grace, need)
	}
}

// checkWritableDirs wants DATA_DIR and /tmp on volumes, as the root file
// system is read-only.
func checkWritableDirs(t *testing.T, d *appsv1.Deployment, c corev1.Container, env map[string]string) {
	t.Helper()
	dataDir, ok := env["DATA_DIR"]
	if !ok {
		dataDir = app.DefaultConfig().DataDir
	}
	for _, dir := range []string{dataDir, "/tmp"} {
		i := slices.IndexFunc(c.VolumeMounts, func(v corev1.VolumeMount) bool { return v.MountPath == dir && !v.ReadOnly })
		if i < 0 {
			t.Errorf("container %s: %s is on the read-only root file system; mount a volume there", c.Name, dir)
			continue
		}
		if !slices.ContainsFunc(d.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == c.VolumeMounts[i].Name }) {
			t.Errorf("container %s mounts volume %s, which the pod does not define", c.Name, c.VolumeMounts[i].Name)
		}
	}
}

func httpGet(p *corev1.Probe) *corev1.HTTPGetAction {
	if p == nil {
		return nil
	}
	return p.HTTPGet
}

// cmpOr is the first of its arguments that is set.
func cmpOr[T any](ptrs ...*T) *T {
	for _, p := range ptrs {
		if p != nil {
			return p
		}
	}
	return nil
}
