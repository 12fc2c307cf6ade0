package deployments_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// manifestKinds are the kinds deployments/kubernetes may hold, by
// apiVersion and kind, each decoded into the API's own Go type. Anything
// else is refused: a kind this test cannot read is a kind it cannot check.
var manifestKinds = map[string]func() any{
	"v1/Namespace":                           func() any { return &corev1.Namespace{} },
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                              func() any { return &corev1.Secret{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
}

// manifests are the objects of deployments/kubernetes, by kind.
type manifests struct {
	namespaces  map[string]*corev1.Namespace
	configMaps  map[string]*corev1.ConfigMap // by namespace/name
	secrets     map[string]*corev1.Secret    // by namespace/name
	services    []*corev1.Service
	deployments []*appsv1.Deployment
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	// objects lists the objects of each namespace.
	objects map[string][]string
}

// loadManifests decodes every document of every YAML file in
// deployments/kubernetes strictly: an unknown field, a duplicate key or an
// unknown kind fails the test, as the API server's strict field
// validation would fail `kubectl apply`, only here without a cluster.
func loadManifests(t *testing.T) *manifests {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("kubernetes", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deployments/kubernetes (%v)", err)
	}
	m := &manifests{
		namespaces: map[string]*corev1.Namespace{},
		configMaps: map[string]*corev1.ConfigMap{},
		secrets:    map[string]*corev1.Secret{},
		objects:    map[string][]string{},
	}
	seen := map[string]string{}
	for _, file := range files {
		for i, doc := range yamlDocuments(t, file) {
			obj, head := decodeManifest(t, file, i, doc)
			if obj == nil {
				continue
			}
			id := head.APIVersion + "/" + head.Kind + " " + namespacedName(head.Metadata.Namespace, head.Metadata.Name)
			if other, ok := seen[id]; ok {
				t.Errorf("%s is defined twice: in %s and %s", id, other, file)
			}
			seen[id] = file
			if head.Kind != "Namespace" {
				m.objects[head.Metadata.Namespace] = append(m.objects[head.Metadata.Namespace], id)
			}
			m.add(obj)
		}
	}
	return m
}

func yamlDocuments(t *testing.T, file string) [][]byte {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		docs = append(docs, doc)
	}
}

// manifestHead is what every object has: its kind and its name.
type manifestHead struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
}

// decodeManifest decodes one document into its kind's type; nil for a
// document with nothing in it (comments only).
func decodeManifest(t *testing.T, file string, i int, doc []byte) (any, manifestHead) {
	t.Helper()
	asJSON, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		t.Fatalf("%s, document %d: %v", file, i+1, err)
	}
	if bytes.Equal(bytes.TrimSpace(asJSON), []byte("null")) {
		return nil, manifestHead{}
	}
	var head manifestHead
	if err := yaml.Unmarshal(doc, &head); err != nil {
		t.Fatalf("%s, document %d: %v", file, i+1, err)
	}
	newObj, ok := manifestKinds[head.APIVersion+"/"+head.Kind]
	if !ok {
		t.Fatalf("%s, document %d: unknown kind %s %q", file, i+1, head.APIVersion, head.Kind)
	}
	obj := newObj()
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		t.Fatalf("%s, document %d (%s %s): %v", file, i+1, head.Kind, head.Metadata.Name, err)
	}
	if head.Metadata.Name == "" {
		t.Errorf("%s, document %d: %s without a name", file, i+1, head.Kind)
	}
	return obj, head
}

func (m *manifests) add(obj any) {
	switch o := obj.(type) {
	case *corev1.Namespace:
		m.namespaces[o.Name] = o
	case *corev1.ConfigMap:
		m.configMaps[namespacedName(o.Namespace, o.Name)] = o
	case *corev1.Secret:
		m.secrets[namespacedName(o.Namespace, o.Name)] = o
	case *corev1.Service:
		m.services = append(m.services, o)
	case *appsv1.Deployment:
		m.deployments = append(m.deployments, o)
	case *policyv1.PodDisruptionBudget:
		m.pdbs = append(m.pdbs, o)
	case *autoscalingv2.HorizontalPodAutoscaler:
		m.hpas = append(m.hpas, o)
	}
}

func namespacedName(namespace, name string) string { return namespace + "/" + name }

// service is the Deployment of the service and its container.
func (m *manifests) service(t *testing.T) (*appsv1.Deployment, corev1.Container) {
	t.Helper()
	if len(m.deployments) != 1 {
		t.Fatalf("want one Deployment, have %d", len(m.deployments))
	}
	d := m.deployments[0]
	if cs := d.Spec.Template.Spec.Containers; len(cs) != 1 {
		t.Fatalf("Deployment %s: want one container, have %d", d.Name, len(cs))
	}
	return d, d.Spec.Template.Spec.Containers[0]
}
