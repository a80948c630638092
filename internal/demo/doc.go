// Package demo provides the parts of ferry demo that stand in for a
// cluster: in-process workloads whose latency follows their version,
// replicas and load, and a sync agent that "deploys" each stage branch to
// them. Everything else in the demo is ferry's own code and the real
// Prometheus TSDB and PromQL engine.
package demo
