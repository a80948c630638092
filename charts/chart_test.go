package charts_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

const (
	chartDir  = "ferry"
	release   = "ferry"
	namespace = "ferry-system"
)

// kubeVersion is the Kubernetes release the chart is rendered for (the
// one internal/kubetest runs).
var kubeVersion = chartutil.KubeVersion{Version: "v1.37.2", Major: "1", Minor: "37"}

// rendered is the chart's output: the typed objects by kind and name, and
// the objects whose kinds client-go does not know (ServiceMonitor).
type rendered struct {
	objects []runtime.Object
	other   []*unstructured.Unstructured
}

func (r rendered) deployments() map[string]*appsv1.Deployment {
	m := map[string]*appsv1.Deployment{}
	for _, o := range r.objects {
		if d, ok := o.(*appsv1.Deployment); ok {
			m[d.Name] = d
		}
	}
	return m
}

func (r rendered) services() map[string]*corev1.Service {
	m := map[string]*corev1.Service{}
	for _, o := range r.objects {
		if s, ok := o.(*corev1.Service); ok {
			m[s.Name] = s
		}
	}
	return m
}

func loadChart(tb testing.TB) *chart.Chart {
	tb.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		tb.Fatalf("load chart %s: %v", chartDir, err)
	}
	return ch
}

// values parses a values document.
func values(tb testing.TB, doc string) map[string]any {
	tb.Helper()
	v, err := chartutil.ReadValues([]byte(doc))
	if err != nil {
		tb.Fatalf("values %q: %v", doc, err)
	}
	return v
}

// render renders the chart as helm template does and decodes every object
// strictly (unknown or duplicate fields fail) into its client-go type.
func render(tb testing.TB, ch *chart.Chart, vals map[string]any) rendered {
	tb.Helper()
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = kubeVersion
	rv, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{Name: release, Namespace: namespace, IsInstall: true, Revision: 1}, caps)
	if err != nil {
		tb.Fatalf("render values: %v", err)
	}
	files, err := engine.Render(ch, rv)
	if err != nil {
		tb.Fatalf("render chart: %v", err)
	}
	strict := json.NewSerializerWithOptions(json.DefaultMetaFactory, clientgoscheme.Scheme, clientgoscheme.Scheme,
		json.SerializerOptions{Yaml: true, Strict: true})
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var out rendered
	for _, name := range names {
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		for i, doc := range strings.Split(files[name], "\n---") {
			if strings.TrimSpace(strings.ReplaceAll(doc, "---", "")) == "" || isComment(doc) {
				continue
			}
			var u unstructured.Unstructured
			j, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				tb.Fatalf("%s, document %d: %v\n%s", name, i+1, err, doc)
			}
			if err := u.UnmarshalJSON(j); err != nil {
				tb.Fatalf("%s, document %d: %v\n%s", name, i+1, err, doc)
			}
			if !clientgoscheme.Scheme.Recognizes(u.GroupVersionKind()) {
				out.other = append(out.other, &u)
				continue
			}
			obj, _, err := strict.Decode([]byte(doc), nil, nil)
			if err != nil {
				tb.Fatalf("%s, document %d: strict decoding: %v\n%s", name, i+1, err, doc)
			}
			out.objects = append(out.objects, obj)
		}
	}
	return out
}

// isComment reports whether a YAML document holds only comments.
func isComment(doc string) bool {
	for l := range strings.SplitSeq(doc, "\n") {
		if l = strings.TrimSpace(l); l != "" && l != "---" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

func TestChartLint(t *testing.T) {
	for _, vals := range []string{"{}", "shards: [a, b]\nreplicas: 2\nserviceMonitor:\n  enabled: true\n"} {
		t.Run(vals, func(t *testing.T) {
			l := lint.AllWithKubeVersion(chartDir, values(t, vals), namespace, &kubeVersion)
			for _, m := range l.Messages {
				if m.Severity > support.InfoSev {
					t.Errorf("helm lint: %s", m)
				}
			}
		})
	}
}

// TestChartCRDs: the chart installs whatever CRDs charts/ferry/crds holds.
func TestChartCRDs(t *testing.T) {
	var want []string
	entries, err := os.ReadDir(filepath.Join(chartDir, "crds"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".yaml") {
			want = append(want, "crds/"+e.Name())
		}
	}
	var got []string
	for _, f := range loadChart(t).CRDs() {
		got = append(got, f.Name)
	}
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the chart's CRDs (-files in crds/ +loaded):\n%s", diff)
	}
}

// fixedArgs are the arguments every instance passes after its own.
var fixedArgs = []string{
	"--state-dir=/var/lib/ferry", "--listen=:8080", "--metrics-bind-address=:8081",
	"--health-probe-bind-address=:9440", "--log-format=json",
}

func args(own ...string) []string {
	return append(append([]string{"controller"}, own...), fixedArgs...)
}

func TestChartDeployments(t *testing.T) {
	ch := loadChart(t)
	tests := []struct {
		name     string
		values   string
		replicas int32
		want     map[string][]string // Deployment name: its container's args
	}{
		{
			name:     "defaults",
			values:   "{}",
			replicas: 1,
			want:     map[string][]string{"ferry": args("--leader-elect", "--leader-election-id=ferry")},
		},
		{
			name:     "shards",
			values:   "shards: [a, b]\nreplicas: 2\nserviceMonitor:\n  enabled: true\n",
			replicas: 2,
			want: map[string][]string{
				"ferry":   args("--leader-elect", "--leader-election-id=ferry", "--watch-label-selector=!sharding.fluxcd.io/key"),
				"ferry-a": args("--leader-elect", "--leader-election-id=ferry-a", "--watch-label-selector=sharding.fluxcd.io/key=a"),
				"ferry-b": args("--leader-elect", "--leader-election-id=ferry-b", "--watch-label-selector=sharding.fluxcd.io/key=b"),
			},
		},
		{
			name:     "selector, election id, no election, extra args, no dashboard",
			values:   "shards: [a]\nwatchLabelSelector: team=shop\nleaderElection:\n  enabled: false\n  id: x\nextraArgs: [--timeout=5m]\nlogFormat: text\nui: {enabled: false}\n",
			replicas: 1,
			want: map[string][]string{
				"ferry": {
					"controller", "--watch-label-selector=team=shop,!sharding.fluxcd.io/key", "--state-dir=/var/lib/ferry", "--listen=:8080",
					"--metrics-bind-address=:8081", "--health-probe-bind-address=:9440", "--log-format=text", "--no-ui", "--timeout=5m",
				},
				"ferry-a": {
					"controller", "--watch-label-selector=team=shop,sharding.fluxcd.io/key=a", "--state-dir=/var/lib/ferry", "--listen=:8080",
					"--metrics-bind-address=:8081", "--health-probe-bind-address=:9440", "--log-format=text", "--no-ui", "--timeout=5m",
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deps := render(t, ch, values(t, tt.values)).deployments()
			got := map[string][]string{}
			for name, d := range deps {
				if len(d.Spec.Template.Spec.Containers) != 1 {
					t.Fatalf("deployment %s: %d containers, want 1", name, len(d.Spec.Template.Spec.Containers))
				}
				got[name] = d.Spec.Template.Spec.Containers[0].Args
				if r := d.Spec.Replicas; r == nil || *r != tt.replicas {
					t.Errorf("deployment %s: replicas %v, want %d", name, r, tt.replicas)
				}
				checkPod(t, d)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("deployments' args (-want +got):\n%s", diff)
			}
			checkDisjoint(t, deps)
		})
	}
}

// checkPod checks what every instance's pod relies on: image, probes,
// ports, security contexts, state volume.
func checkPod(tb testing.TB, d *appsv1.Deployment) {
	tb.Helper()
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	if c.Image != "ghcr.io/ferrycd/ferry:v0.1.0" {
		tb.Errorf("deployment %s: image %q", d.Name, c.Image)
	}
	probe := func(path string) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("health")}}}
	}
	for _, p := range []struct {
		name      string
		got, want *corev1.Probe
	}{{"liveness", c.LivenessProbe, probe("/healthz")}, {"readiness", c.ReadinessProbe, probe("/readyz")}} {
		if p.got == nil {
			tb.Errorf("deployment %s: no %s probe", d.Name, p.name)
			continue
		}
		if diff := cmp.Diff(p.want.HTTPGet, p.got.HTTPGet); diff != "" {
			tb.Errorf("deployment %s: %s probe (-want +got):\n%s", d.Name, p.name, diff)
		}
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if diff := cmp.Diff(map[string]int32{"http": 8080, "metrics": 8081, "health": 9440}, ports); diff != "" {
		tb.Errorf("deployment %s: container ports (-want +got):\n%s", d.Name, diff)
	}
	yes, no, uid := true, false, int64(65532)
	wantPod := &corev1.PodSecurityContext{
		RunAsNonRoot: &yes, RunAsUser: &uid, RunAsGroup: &uid, FSGroup: &uid,
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	if diff := cmp.Diff(wantPod, pod.SecurityContext); diff != "" {
		tb.Errorf("deployment %s: pod security context (-want +got):\n%s", d.Name, diff)
	}
	wantContainer := &corev1.SecurityContext{
		ReadOnlyRootFilesystem: &yes, AllowPrivilegeEscalation: &no,
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
	if diff := cmp.Diff(wantContainer, c.SecurityContext); diff != "" {
		tb.Errorf("deployment %s: container security context (-want +got):\n%s", d.Name, diff)
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	if diff := cmp.Diff(map[string]string{"state": "/var/lib/ferry", "tmp": "/tmp"}, mounts); diff != "" {
		tb.Errorf("deployment %s: volume mounts (-want +got):\n%s", d.Name, diff)
	}
	if pod.ServiceAccountName != "ferry" {
		tb.Errorf("deployment %s: service account %q, want ferry", d.Name, pod.ServiceAccountName)
	}
}

// checkDisjoint checks that no Deployment's selector selects another's
// pods, and each its own.
func checkDisjoint(tb testing.TB, deps map[string]*appsv1.Deployment) {
	tb.Helper()
	for name, d := range deps {
		for other, o := range deps {
			sel := d.Spec.Selector.MatchLabels
			matches := true
			for k, v := range sel {
				if o.Spec.Template.Labels[k] != v {
					matches = false
				}
			}
			if matches != (name == other) {
				tb.Errorf("deployment %s's selector %v matches the pods of %s: %v", name, sel, other, matches)
			}
		}
	}
}

func TestChartServices(t *testing.T) {
	ch := loadChart(t)
	r := render(t, ch, values(t, "shards: [a]\nserviceMonitor:\n  enabled: true\n"))
	deps := r.deployments()
	svcs := r.services()
	if len(svcs) != 2 {
		t.Fatalf("services %v, want ferry and ferry-a", slices.Sorted(maps.Keys(svcs)))
	}
	for name, s := range svcs {
		ports := map[string]string{}
		for _, p := range s.Spec.Ports {
			ports[p.Name] = fmt.Sprintf("%d->%s", p.Port, p.TargetPort.String())
		}
		if diff := cmp.Diff(map[string]string{"http": "8080->http", "metrics": "8081->metrics"}, ports); diff != "" {
			t.Errorf("service %s: ports (-want +got):\n%s", name, diff)
		}
		// Each Service selects the pods of the Deployment of its name.
		for dn, d := range deps {
			matches := true
			for k, v := range s.Spec.Selector {
				if d.Spec.Template.Labels[k] != v {
					matches = false
				}
			}
			if matches != (dn == name) {
				t.Errorf("service %s selects the pods of deployment %s: %v", name, dn, matches)
			}
		}
	}
	if len(r.other) != 1 || r.other[0].GetKind() != "ServiceMonitor" {
		t.Fatalf("objects of unknown kinds: %v, want one ServiceMonitor", r.other)
	}
	sm := r.other[0]
	endpoints, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	for name, s := range svcs {
		for k, v := range sel {
			if s.Labels[k] != v {
				t.Errorf("the ServiceMonitor's selector %v does not select service %s (labels %v)", sel, name, s.Labels)
			}
		}
	}
	if len(endpoints) != 1 || endpoints[0].(map[string]any)["port"] != "metrics" {
		t.Errorf("ServiceMonitor endpoints %v, want the metrics port", endpoints)
	}
	if o := render(t, ch, values(t, "{}")).other; len(o) != 0 {
		t.Errorf("by default the chart renders %v, want no ServiceMonitor", o)
	}
}

func TestChartRBAC(t *testing.T) {
	r := render(t, loadChart(t), values(t, "{}"))
	read := []string{"get", "list", "watch"}
	want := map[string][]rbacv1.PolicyRule{
		"ClusterRole/ferry": {
			{APIGroups: []string{"delivery.ferrycd.io"}, Resources: []string{"projects"}, Verbs: []string{"get", "list", "watch", "update", "patch"}},
			{APIGroups: []string{"delivery.ferrycd.io"}, Resources: []string{"projects/status"}, Verbs: []string{"get", "update", "patch"}},
			{APIGroups: []string{"delivery.ferrycd.io"}, Resources: []string{"projects/finalizers"}, Verbs: []string{"update"}},
			{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}},
			{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
			{APIGroups: []string{"events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
			{APIGroups: []string{"source.toolkit.fluxcd.io"}, Resources: []string{"gitrepositories"}, Verbs: read},
			{APIGroups: []string{"kustomize.toolkit.fluxcd.io"}, Resources: []string{"kustomizations"}, Verbs: read},
			{APIGroups: []string{"helm.toolkit.fluxcd.io"}, Resources: []string{"helmreleases"}, Verbs: read},
			{APIGroups: []string{"argoproj.io"}, Resources: []string{"applications"}, Verbs: read},
		},
		"Role/ferry-leader-election": {
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"create", "get", "update"}},
		},
	}
	got := map[string][]rbacv1.PolicyRule{}
	bindings := map[string]rbacv1.RoleRef{}
	for _, o := range r.objects {
		switch o := o.(type) {
		case *rbacv1.ClusterRole:
			got["ClusterRole/"+o.Name] = o.Rules
		case *rbacv1.Role:
			got["Role/"+o.Name] = o.Rules
			if o.Namespace != namespace {
				t.Errorf("role %s in namespace %q, want %s", o.Name, o.Namespace, namespace)
			}
		case *rbacv1.ClusterRoleBinding:
			bindings["ClusterRoleBinding/"+o.Name] = o.RoleRef
			checkSubjects(t, o.Name, o.Subjects)
		case *rbacv1.RoleBinding:
			bindings["RoleBinding/"+o.Name] = o.RoleRef
			checkSubjects(t, o.Name, o.Subjects)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RBAC rules (-want +got):\n%s", diff)
	}
	for _, rules := range got {
		for _, rule := range rules {
			for _, s := range slices.Concat(rule.APIGroups, rule.Resources, rule.Verbs, rule.ResourceNames) {
				if strings.Contains(s, "*") {
					t.Errorf("rule %+v has a wildcard", rule)
				}
			}
		}
	}
	wantBindings := map[string]rbacv1.RoleRef{
		"ClusterRoleBinding/ferry":          {APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "ferry"},
		"RoleBinding/ferry-leader-election": {APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "ferry-leader-election"},
	}
	if diff := cmp.Diff(wantBindings, bindings); diff != "" {
		t.Errorf("bindings (-want +got):\n%s", diff)
	}
}

func checkSubjects(tb testing.TB, binding string, got []rbacv1.Subject) {
	tb.Helper()
	want := []rbacv1.Subject{{Kind: "ServiceAccount", Name: "ferry", Namespace: namespace}}
	if diff := cmp.Diff(want, got); diff != "" {
		tb.Errorf("binding %s: subjects (-want +got):\n%s", binding, diff)
	}
}

// TestChartInvalidShards: a shard's name becomes part of object names.
func TestChartInvalidShards(t *testing.T) {
	ch := loadChart(t)
	for _, shard := range []string{"Team_A", "main"} {
		caps := chartutil.DefaultCapabilities.Copy()
		rv, err := chartutil.ToRenderValues(ch, values(t, "shards: ["+shard+"]"), chartutil.ReleaseOptions{Name: release, Namespace: namespace}, caps)
		if err != nil {
			t.Fatal(err)
		}
		_, err = engine.Render(ch, rv)
		if err == nil || !strings.Contains(err.Error(), "shards: ") {
			t.Errorf("shards: [%s]: render error %v, want one naming shards", shard, err)
		}
	}
}
