// Package plan says what a change to main will do before it is merged,
// from Git alone: whether the head validates (every diagnostic), the
// candidates it creates (services, the sequence each starts, the stages it
// passes and where an approval or a hold stops it), the change of the
// rendered manifests per stage and service (a unified diff, summarised by
// object), a what-if of changed SLOs and SLIs on the evaluations recorded
// in the ledger on ferry/status, and the shipyard and hold changes in
// words.
//
// A plan compares the head with the merge base of base and head: when
// the head does not descend from the base (a pull request's branch made
// before main moved), its diff is the pull request's own, as a forge shows
// it. The merge result itself is then not validated, and the plan says so
// (MergeNotValidated). Nothing queries Prometheus: recorded values replay offline, and an
// objective whose SLI query changed is reported as not replayable rather
// than scored on values its new query did not produce.
//
// [Compute] makes a plan; [Plan.Text] writes it for a person,
// [Plan.Markdown] for a pull-request comment, and the type marshals to JSON
// and YAML.
package plan
