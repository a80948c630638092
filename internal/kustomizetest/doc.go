// Package kustomizetest builds stage branches with kustomize's own library
// (krusty), as Flux and Argo CD build them, for ferry's tests: a branch
// must build as it is, every namespaced object must be in the stage's
// namespace, and no ferry record may be listed as a resource.
package kustomizetest
