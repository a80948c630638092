// Package demo provides ferry demo's story: Run seeds a Git repository with
// the sockshop example, starts the embedded Prometheus, in-process
// workloads, a stand-in sync agent and ferry's real loop, then plays the
// Keptn tutorial's three acts (a promotion, a release blocked by the
// staging gate and rolled back, a remediation) and narrates what Git
// records.
//
// # Stand-ins
//
// Only what needs a cluster stands in: Workload is one stage's carts, whose
// latency follows its version, replicas and load; Agent applies each stage
// branch to its workload and reports the commit as Argo CD would; the story
// evaluates the generated alert rules against the embedded TSDB and posts
// what fires as Alertmanager would. Everything else is ferry's own code
// and the real Prometheus TSDB and PromQL engine.
package demo
