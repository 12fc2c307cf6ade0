package deployments_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	corev1 "k8s.io/api/core/v1"
)

// envVar is a variable of the container's environment: its value, and
// whether it comes from a Secret.
type envVar struct {
	value  string
	secret bool
}

func TestKubernetesReferencesResolve(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	for _, d := range m.deployments {
		pod := d.Spec.Template.Spec
		where := "Deployment " + d.Name
		for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
			checkEnvReferences(t, m, where, d.Namespace, c)
		}
		for _, v := range pod.Volumes {
			if !m.volumeResolves(d.Namespace, v) {
				t.Errorf("%s: volume %s refers to an object no manifest defines (or a kind this test does not know)", where, v.Name)
			}
		}
		if sa := pod.ServiceAccountName; sa != "" && sa != "default" {
			t.Errorf("%s: service account %s is not defined by the manifests", where, sa)
		}
	}
}

// checkEnvReferences wants each ConfigMap and Secret a container takes
// settings from defined here, with the keys it names.
func checkEnvReferences(t *testing.T, m *manifests, where, ns string, c corev1.Container) {
	t.Helper()
	for _, from := range c.EnvFrom {
		if ref := from.ConfigMapRef; ref != nil && !m.hasConfigMap(ns, ref.Name, "") {
			t.Errorf("%s: envFrom names ConfigMap %s, which no manifest defines", where, ref.Name)
		}
		if ref := from.SecretRef; ref != nil && !m.hasSecret(ns, ref.Name, "") {
			t.Errorf("%s: envFrom names Secret %s, which no manifest defines", where, ref.Name)
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			continue
		}
		if ref := e.ValueFrom.ConfigMapKeyRef; ref != nil && !m.hasConfigMap(ns, ref.Name, ref.Key) {
			t.Errorf("%s: %s names key %s of ConfigMap %s, which no manifest defines", where, e.Name, ref.Key, ref.Name)
		}
		if ref := e.ValueFrom.SecretKeyRef; ref != nil && !m.hasSecret(ns, ref.Name, ref.Key) {
			t.Errorf("%s: %s names key %s of Secret %s, which no manifest defines", where, e.Name, ref.Key, ref.Name)
		}
	}
}

func TestKubernetesEnvironmentIsReadByService(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	d, c := m.service(t)
	env := m.containerEnv(d.Namespace, c)
	names := make([]string, 0, len(env))
	for name := range env {
		names = append(names, name)
	}
	checkReadByService(t, "Deployment "+d.Name, names)

	for _, name := range []string{"EVENTSTORE_URL", "NATS_URL", "READMODEL_URL", "AUTH_HS256_SECRET"} {
		if _, ok := env[name]; !ok {
			t.Errorf("Deployment %s does not set %s", d.Name, name)
		}
	}
	// README.md installs NATS as a three-node cluster: a copy of the stream
	// on each node.
	if env["NATS_REPLICAS"].value != "3" {
		t.Errorf("Deployment %s: NATS_REPLICAS %q, want 3, one copy per node of the NATS chart's cluster", d.Name, env["NATS_REPLICAS"].value)
	}
	if _, err := esdb.ParseConnectionString(env["EVENTSTORE_URL"].value); err != nil {
		t.Errorf("EVENTSTORE_URL: %v", err)
	}
	for _, part := range strings.Split(env["NATS_URL"].value, ",") {
		if u, err := url.Parse(strings.TrimSpace(part)); err != nil || u.Scheme != "nats" || u.Hostname() == "" {
			t.Errorf("NATS_URL part %q is not a nats:// URL", part)
		}
	}
	if u, err := url.Parse(env["READMODEL_URL"].value); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Hostname() == "" {
		t.Errorf("READMODEL_URL is not a postgres:// URL")
	}
	checkCredentialsInSecrets(t, m, env)
}

// checkCredentialsInSecrets wants every setting that carries a credential
// to come from a Secret, and the token secret checked in to be a
// placeholder the service refuses (it wants at least 32 bytes), so that a
// pod started with it stops rather than accept tokens anyone could sign.
func checkCredentialsInSecrets(t *testing.T, m *manifests, env map[string]envVar) {
	t.Helper()
	for name, v := range env {
		if isCredential(name, v.value) && !v.secret {
			t.Errorf("%s carries a credential but does not come from a Secret", name)
		}
	}
	for _, cm := range m.configMaps {
		for k, v := range cm.Data {
			if isCredential(k, v) {
				t.Errorf("ConfigMap %s holds %s, a credential: move it to a Secret", cm.Name, k)
			}
		}
	}
	if secret := env["AUTH_HS256_SECRET"].value; len(secret) >= 32 || !strings.Contains(strings.ToLower(secret), "change") {
		t.Errorf("AUTH_HS256_SECRET in the manifests must be an obvious placeholder under 32 bytes, never a usable secret")
	}
}

// isCredential reports whether a setting is the token secret or a URL with
// a password in it.
func isCredential(name, value string) bool {
	hasPassword := false
	if u, err := url.Parse(value); err == nil && u.User != nil {
		_, hasPassword = u.User.Password()
	}
	return name == "AUTH_HS256_SECRET" || hasPassword
}

// containerEnv is the environment c gets: its ConfigMaps' and Secrets'
// keys (envFrom), then its own env, which wins. A reference to nothing
// adds nothing (TestKubernetesReferencesResolve reports it).
func (m *manifests) containerEnv(ns string, c corev1.Container) map[string]envVar {
	env := map[string]envVar{}
	for _, from := range c.EnvFrom {
		if ref := from.ConfigMapRef; ref != nil {
			if cm, ok := m.configMaps[namespacedName(ns, ref.Name)]; ok {
				for k, v := range cm.Data {
					env[from.Prefix+k] = envVar{value: v}
				}
			}
		}
		if ref := from.SecretRef; ref != nil {
			if s, ok := m.secrets[namespacedName(ns, ref.Name)]; ok {
				for k, v := range secretData(s) {
					env[from.Prefix+k] = envVar{value: v, secret: true}
				}
			}
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = envVar{value: e.Value}
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			if cm, ok := m.configMaps[namespacedName(ns, ref.Name)]; ok {
				env[e.Name] = envVar{value: cm.Data[ref.Key]}
			}
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			if s, ok := m.secrets[namespacedName(ns, ref.Name)]; ok {
				env[e.Name] = envVar{value: secretData(s)[ref.Key], secret: true}
			}
		default: // a field of the pod or a resource of the container
			env[e.Name] = envVar{}
		}
	}
	return env
}

// env is containerEnv's values.
func (m *manifests) env(ns string, c corev1.Container) map[string]string {
	values := map[string]string{}
	for k, v := range m.containerEnv(ns, c) {
		values[k] = v.value
	}
	return values
}

func secretData(s *corev1.Secret) map[string]string {
	data := map[string]string{}
	for k, v := range s.Data {
		data[k] = string(v)
	}
	for k, v := range s.StringData {
		data[k] = v
	}
	return data
}

// hasConfigMap reports whether the ConfigMap exists and, unless key is
// empty, holds key.
func (m *manifests) hasConfigMap(ns, name, key string) bool {
	cm, ok := m.configMaps[namespacedName(ns, name)]
	if !ok || key == "" {
		return ok
	}
	_, ok = cm.Data[key]
	return ok
}

func (m *manifests) hasSecret(ns, name, key string) bool {
	s, ok := m.secrets[namespacedName(ns, name)]
	if !ok || key == "" {
		return ok
	}
	_, ok = secretData(s)[key]
	return ok
}

// volumeResolves reports whether a volume's ConfigMap or Secret is defined
// here; volumes that name nothing (emptyDir) resolve, and kinds of source
// this test cannot see (a claim, a CSI driver) do not.
func (m *manifests) volumeResolves(ns string, v corev1.Volume) bool {
	switch src := v.VolumeSource; {
	case src.EmptyDir != nil:
		return true
	case src.ConfigMap != nil:
		return m.hasConfigMap(ns, src.ConfigMap.Name, "")
	case src.Secret != nil:
		return m.hasSecret(ns, src.Secret.SecretName, "")
	case src.Projected != nil:
		for _, p := range src.Projected.Sources {
			if (p.ConfigMap != nil && !m.hasConfigMap(ns, p.ConfigMap.Name, "")) || (p.Secret != nil && !m.hasSecret(ns, p.Secret.Name, "")) {
				return false
			}
		}
		return true
	default:
		return false
	}
}
