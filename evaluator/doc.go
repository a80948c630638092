// Package evaluator provides ferry's quality gates: the Keptn SLI and SLO
// files (spec_version 1.0 and 0.1.x) with the defaults of Keptn's
// lighthouse, and the criteria grammar ("<=800", "<=+10%", ">=-5").
//
// # Records
//
// Every evaluation leaves a [Record] holding what it read and decided.
// [Replay] re-derives a verdict from a record alone, with its own SLO or
// another one, [Diff] says how two verdicts differ, and
// [Record.WriteTable] shows a record to people.
package evaluator
