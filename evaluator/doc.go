// Package evaluator provides ferry's quality gates: the Keptn SLI and SLO
// files (spec_version 1.0 and 0.1.x) with the defaults of Keptn's
// lighthouse, and the criteria grammar ("<=800", "<=+10%", ">=-5").
package evaluator
