// Package metrics holds the loop's Prometheus metrics, registered on an
// injected prometheus.Registerer: passes, transitions, fetches and pushes,
// deployments, evaluations and queue lengths. Labels are bounded (results and
// stage names, never a SHA or a version); a nil *Metrics records nothing.
package metrics
