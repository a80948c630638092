// Package status owns the ferry/status branch: the loop's state, the runs of
// every (stage, service), the problems being remediated, the reports not yet
// consumed, and the two renderings people and tools read, STATUS.md and
// status.json.
//
// # Layout
//
//	state.yaml                  format version, last main commit queued, run counter, stage order
//	runs/<stage>/<svc>.yaml     a Slot: the run in flight, the queue, what is deployed and released
//	problems/<id>.yaml          a Problem and the remediation actions taken
//	reports/<time>-<sum>-<kind>.json   a Report not yet consumed
//	ledger/<stage>/<svc>/…      evaluation records (package evaluator)
//	STATUS.md, status.json      the Summary, rendered
//
// # Reading
//
// Read tolerates bad files per item: a run or problem file that does not
// parse is listed in Branch.Corrupt with its path and the parse error, is
// left out of the state and is never written back; everything else reads as
// usual. Fixing or deleting the file by a commit resumes the item.
//
// # Writing
//
// Branch.Edits returns only the files whose content changed since they were
// read; Render produces STATUS.md and status.json from a Summary. RecordAll
// writes the reports of one request in one commit; a replayed deployed
// report is not written twice.
//
// Summary.ProjectStages converts a Summary into the stages of a Project's
// status (api/v1alpha1).
package status
