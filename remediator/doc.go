// Package remediator provides ferry's closed-loop remediation. It reads
// Keptn remediation files (spec.keptn.sh/0.1.4) and picks the actions for a
// problem: by root cause, then title, then "default". A [Plan] hands them
// out one at a time until none is left and the problem is escalated;
// [Action.Apply] computes the values a scaling or togglefeature action
// edits, within the replica [Bounds] of ferry.yaml.
package remediator
