package fleet_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/ferrycd/ferry/api/v1alpha1"
	"github.com/ferrycd/ferry/fleet"
	"github.com/ferrycd/ferry/internal/kubetest"
)

const twoProjects = `apiVersion: delivery.ferrycd.io/v1alpha1
kind: Project
metadata:
  name: shop
spec:
  repository:
    url: https://git.example.com/shop/delivery.git
---
apiVersion: delivery.ferrycd.io/v1alpha1
kind: Project
metadata:
  name: payments
  namespace: fintech
  labels: {sharding.fluxcd.io/key: a}
spec:
  repository:
    url: git@git.example.com:fintech/delivery.git
    ref: trunk
    secretRef: {name: git}
  stagePrefix: env/
  interval: 30s
  prometheus: {url: "http://prometheus:9090", secretRef: {name: prom}}
  forge: {kind: gitea, api: "https://gitea.example.com/api/v1", repo: fintech/delivery, secretRef: {name: gitea}}
`

func TestLoadConfig(t *testing.T) {
	ps, diags := fleet.LoadConfig("projects.yaml", []byte(twoProjects))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if len(ps) != 2 {
		t.Fatalf("%d projects, want 2", len(ps))
	}
	shop := ps[0]
	if shop.Namespace != "default" || shop.Name != "shop" {
		t.Errorf("first project %s/%s", shop.Namespace, shop.Name)
	}
	want := v1alpha1.ProjectSpec{
		Repository:  v1alpha1.Repository{URL: "https://git.example.com/shop/delivery.git", Ref: "main"},
		StagePrefix: "stage/",
		Interval:    metav1.Duration{Duration: time.Minute},
	}
	if diff := cmp.Diff(want, shop.Spec); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	pay := ps[1]
	if pay.Namespace != "fintech" || pay.Spec.Repository.Ref != "trunk" || pay.Spec.Interval.Duration != 30*time.Second ||
		pay.Spec.Forge == nil || pay.Spec.Forge.Kind != v1alpha1.ForgeGitea || pay.Labels["sharding.fluxcd.io/key"] != "a" {
		t.Errorf("second project: %+v", pay)
	}
}

// invalidProjects are refused by LoadConfig at the position given, and by
// the API server too: one schema.
var invalidProjects = []struct {
	name, spec, at, msg string
}{
	{"no url", "repository: {ref: main}", "projects.yaml:7:15", "spec.repository.url"},
	{"bad url", "repository: {url: 'ftp://x/y'}", "projects.yaml:7:21", "spec.repository.url"},
	{"unknown field", "repository: {url: 'https://x/y', branch: main}", "projects.yaml:7:36", "spec.repository.branch: unknown field"},
	{"bad forge kind", "repository: {url: 'https://x/y'}\n  forge: {kind: bitbucket, api: 'https://x', repo: a/b, secretRef: {name: t}}", "projects.yaml:8:17", "spec.forge.kind"},
	{"forge without secret", "repository: {url: 'https://x/y'}\n  forge: {kind: github, api: 'https://x', repo: a/b}", "projects.yaml:8:10", "spec.forge.secretRef.name"},
	{"bad interval", "repository: {url: 'https://x/y'}\n  interval: soon", "projects.yaml:8:13", "spec.interval"},
	{"prometheus without url", "repository: {url: 'https://x/y'}\n  prometheus: {secretRef: {name: p}}", "projects.yaml:8:15", "spec.prometheus.url"},
	{"empty ref", "repository: {url: 'https://x/y', ref: ''}", "projects.yaml:7:41", "spec.repository.ref"},
	{"a list for a mapping", "repository: [https://x/y]", "projects.yaml:7:15", "spec.repository: want a mapping"},
}

func manifest(spec string) string {
	return "apiVersion: delivery.ferrycd.io/v1alpha1\nkind: Project\nmetadata:\n  name: shop\n  namespace: default\nspec:\n  " + spec + "\n"
}

func TestLoadConfigRefuses(t *testing.T) {
	for _, tc := range invalidProjects {
		t.Run(tc.name, func(t *testing.T) {
			ps, diags := fleet.LoadConfig("projects.yaml", []byte(manifest(tc.spec)))
			if ps != nil || !diags.HasErrors() {
				t.Fatalf("accepted: %+v", ps)
			}
			if got := diags.Error(); !strings.Contains(got, tc.at) || !strings.Contains(got, tc.msg) {
				t.Errorf("error %q, want %q at %s", got, tc.msg, tc.at)
			}
		})
	}
	for name, file := range map[string]string{
		"duplicate": twoProjects + "---\n" + manifest("repository: {url: 'https://x/y'}"),
		"alias":     manifest("repository: &r {url: 'https://x/y'}"),
		"status":    manifest("repository: {url: 'https://x/y'}") + "status: {observedGeneration: 3}\n",
		"kind":      strings.Replace(manifest("repository: {url: 'https://x/y'}"), "kind: Project", "kind: Kustomization", 1),
		"empty":     "# nothing\n",
	} {
		if ps, diags := fleet.LoadConfig("projects.yaml", []byte(file)); ps != nil || !diags.HasErrors() || !strings.Contains(diags.Error(), "projects.yaml:") {
			t.Errorf("%s: %v, %v", name, ps, diags)
		}
	}
}

// The API server, with the CustomResourceDefinition of charts/ferry/crds,
// refuses what LoadConfig refuses and defaults what it defaults.
func TestLoadConfigAgreesWithTheAPIServer(t *testing.T) {
	env := kubetest.Start(t, "../charts/ferry/crds")
	c, err := client.New(env.Config, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// As kubectl apply does: unknown fields are errors, not pruned.
	c = client.WithFieldValidation(c, metav1.FieldValidationStrict)
	ctx := context.Background()
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "fintech"}}); err != nil {
		t.Fatal(err)
	}
	create := func(doc string) (*unstructured.Unstructured, error) {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatal(err)
		}
		if u.GetNamespace() == "" {
			u.SetNamespace("default")
		}
		return u, c.Create(ctx, u)
	}
	for _, tc := range invalidProjects {
		if u, err := create(manifest(tc.spec)); err == nil {
			t.Errorf("%s: the API server accepted what ferry run --config refuses", tc.name)
			_ = c.Delete(ctx, u)
		}
	}
	ps, diags := fleet.LoadConfig("projects.yaml", []byte(twoProjects))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for i, doc := range strings.Split(twoProjects, "---\n") {
		u, err := create(doc)
		if err != nil {
			t.Fatalf("the API server refused project %d: %v", i, err)
		}
		data, err := yaml.Marshal(u.Object["spec"])
		if err != nil {
			t.Fatal(err)
		}
		var spec v1alpha1.ProjectSpec
		if err := yaml.Unmarshal(data, &spec); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(spec, ps[i].Spec); diff != "" {
			t.Errorf("project %d: the API server's defaults (-) differ from ferry run --config's (+):\n%s", i, diff)
		}
	}
}
