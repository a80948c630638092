package controller

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ferrycd/ferry/fleet"
	"github.com/ferrycd/ferry/status"
)

// The GitOps agents' objects whose health the controller reads, when their
// CustomResourceDefinitions are installed.
var (
	KustomizationKind = schema.GroupVersionKind{Group: "kustomize.toolkit.fluxcd.io", Version: "v1", Kind: "Kustomization"}
	GitRepositoryKind = schema.GroupVersionKind{Group: "source.toolkit.fluxcd.io", Version: "v1", Kind: "GitRepository"}
	ApplicationKind   = schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "Application"}
)

// Reasons of a Flux Kustomization's Ready=False that fail a deployment;
// others (Progressing, DependencyNotReady, …) are not an outcome yet.
var fluxFailed = map[string]bool{"HealthCheckFailed": true, "ReconciliationFailed": true, "BuildFailed": true, "ArtifactFailed": true}

// health reads one kind of agent object and signals the fleet what it says
// of the stage branch it syncs: the commit it applied and whether it is
// healthy. No notification wiring is needed: the object's status is the
// signal.
type health struct {
	client client.Client
	fleet  *fleet.Fleet
	kind   schema.GroupVersionKind
}

// watchHealth adds a controller per agent kind whose CRD the API server
// serves; kinds it does not know are skipped.
func watchHealth(mgr ctrl.Manager, fl *fleet.Fleet, name string) error {
	for _, kind := range []schema.GroupVersionKind{KustomizationKind, ApplicationKind} {
		if _, err := mgr.GetRESTMapper().RESTMapping(kind.GroupKind(), kind.Version); err != nil {
			if meta.IsNoMatchError(err) {
				continue
			}
			return fmt.Errorf("look up %s: %w", kind.Kind, err)
		}
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(kind)
		h := &health{client: mgr.GetClient(), fleet: fl, kind: kind}
		if err := ctrl.NewControllerManagedBy(mgr).Named(name + "-" + strings.ToLower(kind.Kind)).For(u).Complete(h); err != nil {
			return fmt.Errorf("watch %s: %w", kind.Kind, err)
		}
	}
	return nil
}

func (h *health) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(h.kind)
	if err := h.client.Get(ctx, req.NamespacedName, u); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	var url, branch string
	var rep *status.Report
	var err error
	if h.kind == ApplicationKind {
		url, branch, rep = argoHealth(u)
	} else {
		url, branch, rep, err = h.fluxHealth(ctx, u)
	}
	if err != nil || rep == nil {
		return ctrl.Result{}, err
	}
	rep.Kind = status.ReportDeployed
	_, err = h.fleet.Signal(ctx, url, branch, *rep)
	return ctrl.Result{}, err
}

// fluxHealth reads a Kustomization and its GitRepository: the revision it
// applied while Ready, or the one it attempted when Ready=False failed it.
func (h *health) fluxHealth(ctx context.Context, k *unstructured.Unstructured) (url, branch string, rep *status.Report, err error) {
	src, _, _ := unstructured.NestedStringMap(k.Object, "spec", "sourceRef")
	if src["kind"] != GitRepositoryKind.Kind {
		return "", "", nil, nil
	}
	repo := &unstructured.Unstructured{}
	repo.SetGroupVersionKind(GitRepositoryKind)
	key := types.NamespacedName{Namespace: cmp.Or(src["namespace"], k.GetNamespace()), Name: src["name"]}
	if err := h.client.Get(ctx, key, repo); err != nil {
		return "", "", nil, client.IgnoreNotFound(err)
	}
	url, _, _ = unstructured.NestedString(repo.Object, "spec", "url")
	branch, _, _ = unstructured.NestedString(repo.Object, "spec", "ref", "branch")
	ready, reason, msg := readyCondition(k)
	var rev string
	healthy := ready == "True"
	switch {
	case healthy:
		rev, _, _ = unstructured.NestedString(k.Object, "status", "lastAppliedRevision")
	case ready == "False" && fluxFailed[reason]:
		rev, _, _ = unstructured.NestedString(k.Object, "status", "lastAttemptedRevision")
	default:
		return "", "", nil, nil
	}
	revBranch, sha := splitRevision(rev)
	if sha == "" {
		return "", "", nil, nil
	}
	if branch == "" {
		branch = revBranch
	}
	return url, branch, &status.Report{Commit: sha, Healthy: &healthy, Message: status.Truncate(msg, 512)}, nil
}

// argoHealth reads an Application: its synced revision, Healthy or
// Degraded. Other states are not an outcome yet.
func argoHealth(a *unstructured.Unstructured) (url, branch string, rep *status.Report) {
	url, _, _ = unstructured.NestedString(a.Object, "spec", "source", "repoURL")
	branch, _, _ = unstructured.NestedString(a.Object, "spec", "source", "targetRevision")
	sha, _, _ := unstructured.NestedString(a.Object, "status", "sync", "revision")
	sync, _, _ := unstructured.NestedString(a.Object, "status", "sync", "status")
	state, _, _ := unstructured.NestedString(a.Object, "status", "health", "status")
	msg, _, _ := unstructured.NestedString(a.Object, "status", "health", "message")
	var healthy bool
	switch {
	case sync == "Synced" && state == "Healthy":
		healthy = true
	case state == "Degraded":
	default:
		return "", "", nil
	}
	if sha == "" {
		return "", "", nil
	}
	return url, branch, &status.Report{Commit: sha, Healthy: &healthy, Message: status.Truncate(msg, 512)}
}

// readyCondition returns the status, reason and message of an object's
// Ready condition.
func readyCondition(u *unstructured.Unstructured) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if ok && m["type"] == "Ready" {
			s, _ := m["status"].(string)
			r, _ := m["reason"].(string)
			msg, _ := m["message"].(string)
			return s, r, msg
		}
	}
	return "", "", ""
}

// splitRevision reads Flux's revision "<branch>@sha1:<sha>".
func splitRevision(rev string) (branch, sha string) {
	b, s, ok := strings.Cut(rev, "@")
	if !ok {
		return "", strings.TrimPrefix(rev, "sha1:")
	}
	_, sha, _ = strings.Cut(s, ":")
	return b, sha
}
