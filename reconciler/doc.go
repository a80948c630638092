// Package reconciler provides ferry's loop. Each pass resolves its inputs
// once — the refs, main's tip and its project, the ferry/status branch as
// read — then runs named steps (check the project, queue candidates, open
// problems, remediate, advance runs, write notes and status) that build
// commits on in-memory trees, and pushes stage branches, ferry/status and
// the notes in one atomic compare-and-swap push. A rejected push is
// recomputed from a new fetch; a crash leaves Git before or after a
// transition, never in between.
//
// # Runs
//
// A candidate starts the first stage's first sequence without triggers.
// Tasks run in order: deployment (render and commit to the stage branch,
// then wait until deployed), test (a duration or a report), evaluation
// (the quality gate over the test window, or over the timeframe after the
// deployment), approval (automatic, or manual through a proposal branch),
// release, rollback (a forward commit restoring the last release), and
// external tasks completed by a report. Every wait has a timeout. A
// finished sequence triggers the sequences whose triggeredOn matches it.
//
// # Errors
//
// A project that cannot be delivered stalls with a [status.Stall]; a run
// that fails ends with its reason and the pass goes on; any other error
// stops the pass, wrapped with the step (and the stage, service, run and
// task) it came from. HTTP ingress, notifications and metrics live in the
// sub-packages ingress, notify and metrics.
package reconciler
