package controller_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/ferrycd/ferry/api/v1alpha1"
	"github.com/ferrycd/ferry/controller"
	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/internal/kubetest"
	"github.com/ferrycd/ferry/status"
)

// Deploy health read from the cluster, without notification wiring: a
// Flux Kustomization per stage branch (with its GitRepository) and an
// Argo CD Application tell ferry that the stage commit is applied and
// healthy — or, for production, that its health check failed, which
// fails the run. Deployments settle only after an hour, so nothing but the
// objects' status can move them.
func TestHealthFromFluxAndArgoObjects(t *testing.T) {
	k := newClusterWith(t, kubetest.AgentCRDs(t))
	seed, err := os.ReadFile("../cmd/ferry/testdata/fast.txtar")
	if err != nil {
		t.Fatal(err)
	}
	txtar := filepath.Join(t.TempDir(), "slow.txtar")
	if err := os.WriteFile(txtar, []byte(strings.ReplaceAll(string(seed), "settle: 1s", "settle: 1h")), 0o644); err != nil {
		t.Fatal(err)
	}
	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", txtar)
	_, url := gittest.NewHTTPServer(t, bare, nil)
	k.project("shop", nil, v1alpha1.ProjectSpec{Repository: v1alpha1.Repository{URL: url}})
	k.start(controller.Options{})

	ctx := context.Background()
	apply := func(obj string) *unstructured.Unstructured {
		t.Helper()
		u := &unstructured.Unstructured{}
		if err := yamlUnmarshal(obj, &u.Object); err != nil {
			t.Fatal(err)
		}
		if err := k.c.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	// Flux syncs dev and production, Argo CD staging.
	for _, stage := range []string{"dev", "production"} {
		apply("apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: shop-" + stage + ", namespace: default}\nspec: {url: '" + url + "/', interval: 1m, ref: {branch: stage/" + stage + "}}\n")
		apply("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: shop-" + stage + ", namespace: default}\nspec: {interval: 1m, prune: true, sourceRef: {kind: GitRepository, name: shop-" + stage + "}}\n")
	}
	apply("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop-staging, namespace: default}\nspec: {project: default, destination: {server: 'https://kubernetes.default.svc', namespace: sockshop-staging}, source: {repoURL: '" + url + "', targetRevision: stage/staging, path: .}}\n")

	// The agents: each applies its branch's tip once it exists.
	done := map[string]bool{}
	e2e.WaitFor(t, 120*time.Second, "production's run to fail", func() bool {
		for _, stage := range []string{"dev", "staging", "production"} {
			tip, err := gittest.TryGit(bare, "rev-parse", "stage/"+stage)
			tip = strings.TrimSpace(tip)
			if err != nil || done[stage+tip] {
				continue
			}
			done[stage+tip] = true
			switch stage {
			case "staging":
				k.applicationStatus("shop-staging", tip)
			default:
				k.kustomizationStatus("shop-"+stage, "stage/"+stage+"@sha1:"+tip, stage != "production")
			}
		}
		runs, err := gittest.TryGit(bare, "show", "ferry/status:"+status.SlotPath("production", "carts"))
		return err == nil && strings.Contains(runs, "result: fail")
	})
	for _, stage := range []string{"dev", "staging"} {
		if runs := gittest.Git(t, bare, "show", "ferry/status:"+status.SlotPath(stage, "carts")); !strings.Contains(runs, "result: pass") {
			t.Errorf("%s did not release on its agent's word:\n%s", stage, runs)
		}
	}
	if runs := gittest.Git(t, bare, "show", "ferry/status:"+status.SlotPath("production", "carts")); !strings.Contains(runs, "readiness probe failed") {
		t.Errorf("production's failure does not say why:\n%s", runs)
	}
}

// kustomizationStatus plays kustomize-controller: the revision applied
// and healthy, or attempted and failing its health check.
func (k *cluster) kustomizationStatus(name, rev string, healthy bool) {
	k.t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(controller.KustomizationKind)
	if err := k.c.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: name}, u); err != nil {
		k.t.Fatal(err)
	}
	cond := map[string]any{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "Applied revision: " + rev, "lastTransitionTime": time.Now().UTC().Format(time.RFC3339)}
	st := map[string]any{"lastAppliedRevision": rev, "lastAttemptedRevision": rev, "conditions": []any{cond}}
	if !healthy {
		cond["status"], cond["reason"], cond["message"] = "False", "HealthCheckFailed", "Deployment/sockshop-production/carts: readiness probe failed"
		delete(st, "lastAppliedRevision")
	}
	u.Object["status"] = st
	if err := k.c.Status().Update(context.Background(), u); err != nil {
		k.t.Fatal(err)
	}
}

// applicationStatus plays Argo CD: the revision synced and healthy.
func (k *cluster) applicationStatus(name, sha string) {
	k.t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(controller.ApplicationKind)
	if err := k.c.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: name}, u); err != nil {
		k.t.Fatal(err)
	}
	u.Object["status"] = map[string]any{
		"sync":   map[string]any{"status": "Synced", "revision": sha},
		"health": map[string]any{"status": "Healthy"},
	}
	if err := k.c.Update(context.Background(), u); err != nil { // Application has no status subresource
		k.t.Fatal(err)
	}
}

func yamlUnmarshal(s string, v any) error { return yaml.Unmarshal([]byte(s), v) }
