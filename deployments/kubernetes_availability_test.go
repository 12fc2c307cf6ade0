package deployments_test

import (
	"slices"
	"strconv"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestKubernetesServiceSelectsThePods(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	d, c := m.service(t)
	i := slices.IndexFunc(m.services, func(s *corev1.Service) bool { return s.Namespace == d.Namespace })
	if i < 0 {
		t.Fatalf("no Service in namespace %s", d.Namespace)
	}
	svc := m.services[i]
	if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("Service %s selects %v, not the pods of Deployment %s (%v)", svc.Name, svc.Spec.Selector, d.Name, d.Spec.Template.Labels)
	}
	for _, p := range svc.Spec.Ports {
		if containerPort(c, p.TargetPort) == 0 {
			t.Errorf("Service %s: port %s targets %s, which container %s does not declare", svc.Name, p.Name, p.TargetPort.String(), c.Name)
		}
	}
}

func TestKubernetesDisruptionBudgetAndAutoscaler(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	d, _ := m.service(t)
	if len(m.pdbs) != 1 || m.pdbs[0].Namespace != d.Namespace || !selects(m.pdbs[0].Spec.Selector, d.Spec.Template.Labels) {
		t.Fatalf("want one PodDisruptionBudget selecting the pods of Deployment %s", d.Name)
	}
	// A drain may take replicas down one at a time, never a majority.
	pdb := m.pdbs[0].Spec
	switch {
	case pdb.MaxUnavailable != nil:
		if n := scaled(t, pdb.MaxUnavailable, wantReplicas); n < 1 || n > wantReplicas/2 {
			t.Errorf("PodDisruptionBudget: maxUnavailable %s of %d replicas", pdb.MaxUnavailable.String(), wantReplicas)
		}
	case pdb.MinAvailable != nil:
		if n := scaled(t, pdb.MinAvailable, wantReplicas); n < wantReplicas/2+1 || n >= wantReplicas {
			t.Errorf("PodDisruptionBudget: minAvailable %s of %d replicas", pdb.MinAvailable.String(), wantReplicas)
		}
	default:
		t.Errorf("PodDisruptionBudget sets neither minAvailable nor maxUnavailable")
	}

	if len(m.hpas) != 1 {
		t.Fatalf("want one HorizontalPodAutoscaler, have %d", len(m.hpas))
	}
	hpa := m.hpas[0]
	if ref := hpa.Spec.ScaleTargetRef; hpa.Namespace != d.Namespace || ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != d.Name {
		t.Errorf("HorizontalPodAutoscaler %s scales %s %s %s, not Deployment %s", hpa.Name, ref.APIVersion, ref.Kind, ref.Name, d.Name)
	}
	if r := hpa.Spec.MinReplicas; r == nil || *r != wantReplicas || hpa.Spec.MaxReplicas < wantReplicas {
		t.Errorf("HorizontalPodAutoscaler %s: replicas %s to %d, want from %d", hpa.Name, orUnset(r), hpa.Spec.MaxReplicas, wantReplicas)
	}
	if !slices.ContainsFunc(hpa.Spec.Metrics, func(ms autoscalingv2.MetricSpec) bool {
		return ms.Resource != nil && ms.Resource.Name == corev1.ResourceCPU
	}) {
		t.Errorf("HorizontalPodAutoscaler %s does not scale on CPU", hpa.Name)
	}
}

func selects(sel *metav1.LabelSelector, podLabels map[string]string) bool {
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && !s.Empty() && s.Matches(labels.Set(podLabels))
}

// containerPort is the number of a named or numbered port of c; 0 when c
// does not declare it.
func containerPort(c corev1.Container, port intstr.IntOrString) int32 {
	for _, p := range c.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
			return p.ContainerPort
		}
	}
	return 0
}

func scaled(t *testing.T, v *intstr.IntOrString, total int) int {
	t.Helper()
	n, err := intstr.GetScaledValueFromIntOrPercent(v, total, true)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func orUnset(n *int32) string {
	if n == nil {
		return "unset"
	}
	return strconv.Itoa(int(*n))
}
