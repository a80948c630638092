// Package fleet delivers many projects in one process: each [Project] gets
// a mirror of its own under the state directory, the reconcile loop of
// ferry run, and, with a forge, the plan on its pull requests. Webhooks
// and reports reach a project at its own path, /hooks/git/<namespace>/<name>.
//
// The projects are the Project objects of Kubernetes mode
// (api/v1alpha1), read from a file by [LoadConfig] for ferry run --config:
// one schema for both, with the API server's defaults and checks.
// Secrets are read from files in a directory per Secret, the layout of a
// mounted Kubernetes Secret: <secrets dir>/<namespace>/<secret>/<key>.
package fleet
