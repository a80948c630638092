// Package v1alpha1 provides the Project custom resource of ferry's
// Kubernetes mode (API group delivery.ferrycd.io, version v1alpha1): the
// object `ferry controller` reconciles, and the one `ferry run --config`
// reads from a file, so that both modes share one schema.
//
// # Conventions
//
// The types follow Flux's API conventions: a [metav1.Duration] interval, a
// suspend flag, [meta.LocalObjectReference] Secret references, and
// [metav1.Condition] conditions of the types [meta.ReadyCondition],
// [meta.ReconcilingCondition] and [meta.StalledCondition] with the
// PascalCase reasons of package status (status.ReasonSucceeded,
// status.ReasonInvalidProject, …). [Project] implements the
// GetConditions/SetConditions pair of Flux's conditions helpers.
//
// # Secrets
//
// Credentials are read from Kubernetes Secrets in the Project's namespace,
// under the keys the SecretKey* constants name; they are never logged nor
// written to status.
//
// # Generated code
//
// zz_generated.deepcopy.go and the CustomResourceDefinition in
// charts/ferry/crds/ are written by controller-gen (make generate) from
// the markers in this package; a test fails when the committed files are
// stale.
//
// +kubebuilder:object:generate=true
// +groupName=delivery.ferrycd.io
package v1alpha1
