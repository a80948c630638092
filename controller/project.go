package controller

import (
	"context"
	"fmt"

	"github.com/fluxcd/pkg/apis/meta"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ferrycd/ferry/api/v1alpha1"
	"github.com/ferrycd/ferry/fleet"
	"github.com/ferrycd/ferry/status"
)

// Condition reasons the controller sets itself; the others come from the
// project's status branch (status.Reason*).
const (
	ReasonSecretUnavailable = "SecretUnavailable"
	ReasonStartFailed       = "StartFailed"
	ReasonSuspended         = fleet.ReasonSuspended
	ReasonFirstPass         = fleet.ReasonFirstPass
)

// ProjectReconciler keeps a fleet in step with the Project objects, and
// each Project's status in step with its project.
type ProjectReconciler struct {
	Client client.Client
	// Secrets reads Secrets from the API server itself, so that the
	// controller neither caches nor watches every Secret of the cluster.
	Secrets    client.Reader
	Fleet      *fleet.Fleet
	SecretsDir string
}

// Reconcile starts, restarts or stops a Project's delivery, and writes its
// status. It comes back every interval to refresh the status and the
// Secrets' files.
func (r *ProjectReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	key := req.Namespace + "/" + req.Name
	var p v1alpha1.Project
	if err := r.Client.Get(ctx, req.NamespacedName, &p); err != nil {
		if apierrors.IsNotFound(err) {
			r.Fleet.Delete(key)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if !p.DeletionTimestamp.IsZero() {
		r.Fleet.Delete(key)
		return ctrl.Result{}, nil
	}
	orig := p.DeepCopy()
	interval := p.Spec.Interval.Duration
	if interval <= 0 {
		interval = v1alpha1.DefaultInterval
	}
	p.Status.ObservedGeneration = p.Generation
	if err := r.writeSecrets(ctx, &p); err != nil {
		r.Fleet.Delete(key)
		r.stall(&p, ReasonSecretUnavailable, err.Error())
		return ctrl.Result{RequeueAfter: interval}, r.patch(ctx, orig, &p)
	}
	if err := r.Fleet.Set(p); err != nil {
		r.stall(&p, ReasonStartFailed, err.Error())
		return ctrl.Result{RequeueAfter: interval}, r.patch(ctx, orig, &p)
	}
	o, _ := r.Fleet.Observe(key)
	r.observe(&p, o)
	return ctrl.Result{RequeueAfter: interval}, r.patch(ctx, orig, &p)
}

// observe writes what the fleet observed of the project into its status.
func (r *ProjectReconciler) observe(p *v1alpha1.Project, o fleet.Observation) {
	if !o.Running {
		apimeta.RemoveStatusCondition(&p.Status.Conditions, meta.ReconcilingCondition)
	}
	for _, c := range o.Conditions() {
		r.set(p, c.Type, c.Status, c.Reason, c.Message)
	}
	if !o.Running || o.Summary == nil {
		return // a suspended project's stages are those it last reported
	}
	p.Status.Stages = o.Summary.ProjectStages()
	if !o.Main.IsZero() {
		p.Status.LastHandledRevision = fmt.Sprintf("%s@sha1:%s", p.Spec.Repository.Ref, o.Main)
	}
}

// stall marks a Project that cannot be started.
func (r *ProjectReconciler) stall(p *v1alpha1.Project, reason, msg string) {
	r.set(p, meta.ReadyCondition, metav1.ConditionFalse, reason, msg)
	r.set(p, meta.StalledCondition, metav1.ConditionTrue, reason, msg)
	apimeta.RemoveStatusCondition(&p.Status.Conditions, meta.ReconcilingCondition)
}

func (r *ProjectReconciler) set(p *v1alpha1.Project, typ string, s metav1.ConditionStatus, reason, msg string) {
	if reason == "" {
		reason = "Unknown"
	}
	apimeta.SetStatusCondition(&p.Status.Conditions, metav1.Condition{
		Type: typ, Status: s, Reason: reason, Message: status.Truncate(msg, 1024), ObservedGeneration: p.Generation,
	})
}

func (r *ProjectReconciler) patch(ctx context.Context, orig, p *v1alpha1.Project) error {
	if err := r.Client.Status().Patch(ctx, p, client.MergeFrom(orig)); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("patch the status of %s/%s: %w", p.Namespace, p.Name, err)
	}
	return nil
}
