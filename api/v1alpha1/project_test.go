package v1alpha1_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/ferrycd/ferry/api/v1alpha1"
	"github.com/ferrycd/ferry/internal/kubetest"
)

// conditionSetter is the pair of methods Flux's conditions helpers
// (fluxcd/pkg/runtime/conditions' Getter and Setter) need besides
// client.Object.
type conditionSetter interface {
	client.Object
	GetConditions() []metav1.Condition
	SetConditions([]metav1.Condition)
}

var _ conditionSetter = (*v1alpha1.Project)(nil)

// TestProject installs the CustomResourceDefinition in charts/ferry/crds/
// in a real API server, and checks what the server does with Projects:
// defaults, schema validation, the status subresource.
func TestProject(t *testing.T) {
	env := kubetest.Start(t, "../../charts/ferry/crds")
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ferry"}}
	if err := c.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}

	t.Run("defaults", func(t *testing.T) { testDefaults(t, c, ns.Name) })
	t.Run("invalid", func(t *testing.T) { testInvalid(t, c, ns.Name) })
	t.Run("status", func(t *testing.T) { testStatus(t, c, ns.Name) })
	t.Run("docs", func(t *testing.T) { testDocsExample(t, c) })
}

// testDocsExample applies the example of docs/kubernetes.md, a Secret and
// a Project, and reads the Project back.
func testDocsExample(t *testing.T, c client.Client) {
	ctx := t.Context()
	data, err := os.ReadFile("../../docs/kubernetes.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## The Project resource\n")
	if !ok {
		t.Fatal("docs/kubernetes.md: no section \"The Project resource\"")
	}
	_, example, ok := strings.Cut(section, "```yaml\n")
	example, _, ok2 := strings.Cut(example, "```")
	if !ok || !ok2 {
		t.Fatal("docs/kubernetes.md: no yaml example in \"The Project resource\"")
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "delivery"}}); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for doc := range strings.SplitSeq(example, "\n---\n") {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatal(err)
		}
		if err := c.Create(ctx, u); err != nil {
			t.Fatalf("create the example's %s: %v", u.GetKind(), err)
		}
		kinds = append(kinds, u.GetKind())
	}
	if diff := cmp.Diff([]string{"Secret", v1alpha1.ProjectKind}, kinds); diff != "" {
		t.Errorf("the example's kinds (-want +got):\n%s", diff)
	}
	var p v1alpha1.Project
	if err := c.Get(ctx, client.ObjectKey{Namespace: "delivery", Name: "sockshop"}, &p); err != nil {
		t.Fatal(err)
	}
	if p.Spec.Repository.Ref != v1alpha1.DefaultRef || p.Spec.Interval.Duration != v1alpha1.DefaultInterval ||
		p.Spec.StagePrefix != v1alpha1.DefaultStagePrefix {
		t.Errorf("the example read back: ref %q, interval %v, stagePrefix %q; want the defaults", p.Spec.Repository.Ref, p.Spec.Interval, p.Spec.StagePrefix)
	}
	if p.Spec.Forge == nil || p.Spec.Forge.SecretRef.Name != "sockshop-git" {
		t.Errorf("the example read back: forge %+v, want one with secretRef sockshop-git", p.Spec.Forge)
	}
}

// testDefaults creates Projects and reads them back with the server's
// defaults filled in.
func testDefaults(t *testing.T, c client.Client, ns string) {
	forge := &v1alpha1.Forge{
		Kind: v1alpha1.ForgeGitea, API: "https://gitea.example.com/api/v1", Repo: "shop/sockshop",
		SecretRef: meta.LocalObjectReference{Name: "forge"},
	}
	for _, tc := range []struct {
		name string
		spec v1alpha1.ProjectSpec
		want v1alpha1.ProjectSpec
	}{{
		name: "minimal",
		spec: v1alpha1.ProjectSpec{Repository: v1alpha1.Repository{URL: "https://git.example.com/shop/sockshop.git"}},
		want: v1alpha1.ProjectSpec{
			Repository:  v1alpha1.Repository{URL: "https://git.example.com/shop/sockshop.git", Ref: "main"},
			StagePrefix: "stage/",
			Interval:    metav1.Duration{Duration: time.Minute},
		},
	}, {
		name: "full",
		spec: v1alpha1.ProjectSpec{
			Repository: v1alpha1.Repository{
				URL: "ssh://git@git.example.com/shop/sockshop.git", Ref: "trunk",
				SecretRef: &meta.LocalObjectReference{Name: "git"},
			},
			StagePrefix: "env/",
			Prometheus:  &v1alpha1.Prometheus{URL: "http://prometheus.monitoring:9090", SecretRef: &meta.LocalObjectReference{Name: "prom"}},
			Interval:    metav1.Duration{Duration: 30 * time.Second},
			Suspend:     true,
			Forge:       forge,
		},
		want: v1alpha1.ProjectSpec{
			Repository: v1alpha1.Repository{
				URL: "ssh://git@git.example.com/shop/sockshop.git", Ref: "trunk",
				SecretRef: &meta.LocalObjectReference{Name: "git"},
			},
			StagePrefix: "env/",
			Prometheus:  &v1alpha1.Prometheus{URL: "http://prometheus.monitoring:9090", SecretRef: &meta.LocalObjectReference{Name: "prom"}},
			Interval:    metav1.Duration{Duration: 30 * time.Second},
			Suspend:     true,
			Forge:       forge,
		},
	}, {
		name: "scp-like",
		spec: v1alpha1.ProjectSpec{Repository: v1alpha1.Repository{URL: "git@github.com:shop/sockshop.git"}},
		want: v1alpha1.ProjectSpec{
			Repository:  v1alpha1.Repository{URL: "git@github.com:shop/sockshop.git", Ref: "main"},
			StagePrefix: "stage/",
			Interval:    metav1.Duration{Duration: time.Minute},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p := &v1alpha1.Project{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tc.name}, Spec: tc.spec}
			if err := c.Create(t.Context(), p); err != nil {
				t.Fatal(err)
			}
			var got v1alpha1.Project
			if err := c.Get(t.Context(), client.ObjectKeyFromObject(p), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got.Spec); diff != "" {
				t.Errorf("spec read back (-want +got):\n%s", diff)
			}
			// Flux's convention: a status no controller wrote yet
			// reports generation -1.
			if got.Status.ObservedGeneration != -1 {
				t.Errorf("status.observedGeneration: got %d, want -1", got.Status.ObservedGeneration)
			}
			if got.GetRequeueAfter() != tc.want.Interval.Duration {
				t.Errorf("GetRequeueAfter: got %v, want %v", got.GetRequeueAfter(), tc.want.Interval.Duration)
			}
		})
	}
}

// testInvalid sends manifests the schema refuses, as kubectl would, and
// checks that the server's message names the field.
func testInvalid(t *testing.T, c client.Client, ns string) {
	for _, tc := range []struct {
		name string
		spec string
		// want are the strings the server's message must contain.
		want []string
	}{{
		name: "missing-url",
		spec: `repository: {ref: main}`,
		want: []string{"spec.repository.url", "Required value"},
	}, {
		name: "missing-repository",
		spec: `stagePrefix: stage/`,
		want: []string{"spec.repository", "Required value"},
	}, {
		name: "bad-url",
		spec: `repository: {url: "file:///srv/git/sockshop"}`,
		want: []string{"spec.repository.url", "should match"},
	}, {
		name: "bad-forge-kind",
		spec: `
repository: {url: "https://git.example.com/shop/sockshop.git"}
forge: {kind: bitbucket, api: "https://api.bitbucket.org/2.0", repo: shop/sockshop, secretRef: {name: forge}}`,
		want: []string{"spec.forge.kind", "Unsupported value", `"bitbucket"`},
	}, {
		name: "forge-without-secret",
		spec: `
repository: {url: "https://git.example.com/shop/sockshop.git"}
forge: {kind: github, api: "https://api.github.com", repo: shop/sockshop}`,
		want: []string{"spec.forge.secretRef", "Required value"},
	}, {
		name: "bad-interval",
		spec: `
repository: {url: "https://git.example.com/shop/sockshop.git"}
interval: 1 minute`,
		want: []string{"spec.interval", "should match"},
	}, {
		name: "empty-ref",
		spec: `repository: {url: "https://git.example.com/shop/sockshop.git", ref: ""}`,
		want: []string{"spec.repository.ref", "at least 1 chars long"},
	}, {
		name: "prometheus-without-url",
		spec: `
repository: {url: "https://git.example.com/shop/sockshop.git"}
prometheus: {secretRef: {name: prom}}`,
		want: []string{"spec.prometheus.url", "Required value"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var spec map[string]any
			if err := yaml.Unmarshal([]byte(tc.spec), &spec); err != nil {
				t.Fatal(err)
			}
			u := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": v1alpha1.GroupVersion.String(),
				"kind":       v1alpha1.ProjectKind,
				"metadata":   map[string]any{"namespace": ns, "name": tc.name},
				"spec":       spec,
			}}
			err := c.Create(t.Context(), u)
			if !apierrors.IsInvalid(err) {
				t.Fatalf("create: got %v, want an Invalid error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("create: %v\nwant a message containing %q", err, w)
				}
			}
		})
	}
}

// testStatus writes a status through the status subresource and reads it
// back; an update of the object itself leaves the status alone.
func testStatus(t *testing.T, c client.Client, ns string) {
	ctx := t.Context()
	p := &v1alpha1.Project{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "status"},
		Spec:       v1alpha1.ProjectSpec{Repository: v1alpha1.Repository{URL: "https://git.example.com/shop/sockshop.git"}},
	}
	if err := c.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	at := metav1.NewTime(time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC))
	want := v1alpha1.ProjectStatus{
		ObservedGeneration: p.Generation,
		Conditions: []metav1.Condition{{
			Type: meta.ReadyCondition, Status: metav1.ConditionTrue, ObservedGeneration: p.Generation,
			LastTransitionTime: at, Reason: "Succeeded", Message: "delivering",
		}, {
			Type: meta.ReconcilingCondition, Status: metav1.ConditionTrue, ObservedGeneration: p.Generation,
			LastTransitionTime: at, Reason: "Progressing", Message: "1 run(s) in flight",
		}},
		LastHandledRevision: "main@sha1:0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
		Stages: []v1alpha1.StageSummary{{
			Name: "dev",
			Services: []v1alpha1.ServiceSummary{{
				Name: "carts", Deployed: "image.tag=0.13.2", Candidate: "c-0a1b2c3",
				InFlight: &v1alpha1.InFlightRun{Run: "r-1", Task: "evaluation", WaitingFor: "the evaluation window to end"},
			}},
		}, {
			Name:     "prod",
			Services: []v1alpha1.ServiceSummary{{Name: "carts"}},
		}},
		ReconcileRequestStatus: meta.ReconcileRequestStatus{LastHandledReconcileAt: "2026-11-30T14:00:00Z"},
	}
	p.Status = want
	p.SetConditions(nil)
	var obj conditionSetter = p
	obj.SetConditions(want.Conditions)
	if err := c.Status().Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	var got v1alpha1.Project
	if err := c.Get(ctx, client.ObjectKeyFromObject(p), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got.Status); diff != "" {
		t.Errorf("status read back (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.Conditions, got.GetConditions()); diff != "" {
		t.Errorf("GetConditions (-want +got):\n%s", diff)
	}

	// The object's own endpoint ignores status.
	got.Spec.Suspend = true
	got.Status = v1alpha1.ProjectStatus{}
	if err := c.Update(ctx, &got); err != nil {
		t.Fatal(err)
	}
	var after v1alpha1.Project
	if err := c.Get(ctx, client.ObjectKeyFromObject(p), &after); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, after.Status); diff != "" {
		t.Errorf("status after an update of the object (-want +got):\n%s", diff)
	}
	if !after.Spec.Suspend || after.Generation != p.Generation+1 {
		t.Errorf("after an update of the spec: suspend %v, generation %d; want true, %d", after.Spec.Suspend, after.Generation, p.Generation+1)
	}
}

func TestGetRequeueAfter(t *testing.T) {
	for _, tc := range []struct {
		interval time.Duration
		want     time.Duration
	}{
		{0, v1alpha1.DefaultInterval},
		{-time.Second, v1alpha1.DefaultInterval},
		{30 * time.Second, 30 * time.Second},
	} {
		p := &v1alpha1.Project{Spec: v1alpha1.ProjectSpec{Interval: metav1.Duration{Duration: tc.interval}}}
		if got := p.GetRequeueAfter(); got != tc.want {
			t.Errorf("interval %v: GetRequeueAfter = %v, want %v", tc.interval, got, tc.want)
		}
	}
}
