// Package reconciler provides ferry's loop: each pass fetches the
// repository once, computes for every (stage, service) the next transition
// of its run from Git alone, writes the transitions as commits on
// in-memory trees and pushes stage branches, ferry/status and the notes in
// one atomic compare-and-swap push. A rejected push is recomputed from a
// new fetch; a crash leaves Git before or after a transition, never in
// between.
//
// # State
//
// Everything the loop knows is on ferry/status: state.yaml (the last main
// commit whose candidates were queued, the run counter), runs/<stage>/<svc>.yaml
// (the run in flight, the queue, the last result, the last release),
// reports/ (deployment and test reports not yet consumed), the evaluation
// ledger, and STATUS.md and status.json for people and tools.
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
package reconciler
