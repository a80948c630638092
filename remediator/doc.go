// Package remediator provides ferry's closed-loop remediation. It reads
// Keptn remediation files (spec.keptn.sh/0.1.4) and picks the actions for a
// problem: by root cause, then title, then "default".
package remediator
