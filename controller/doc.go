// Package controller is ferry's Kubernetes mode: a controller-runtime
// manager that reconciles Project objects (api/v1alpha1) into a fleet of
// projects (package fleet) — one mirror and one reconcile loop each, as
// ferry run — and writes back to each Project what the project's status
// branch says: conditions, the stages with what they run and what is in
// flight, and the revision of main handled.
//
// With leader election, exactly one replica delivers, and a standby takes
// over when it stops (the lease is released on a clean stop). With a
// label selector, a replica watches only the Projects matching it, with a
// lease of its own: Flux's sharding convention, sharding.fluxcd.io/key.
// Secrets are read from the API server when a Project is reconciled and
// kept as files of mode 0600 below the state directory, where ferry reads
// them at each use; they are never logged nor written to a status.
package controller
