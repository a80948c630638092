// Package idle provides the memory of the last reconcile pass that had
// nothing to push: the refs it saw, when its first wait ends and why the
// project was stalled, if it was. While the refs are the same and no wait
// has ended, another pass would find the same nothing, so the reconciler
// stops after the fetch.
//
// # Across restarts
//
// The memory is also written to a small file in ferry's state directory,
// beside the mirror (see [File]). A restarted ferry reads it back, and its
// first pass costs a fetch and one small file instead of reading and
// parsing the whole project and every run file on ferry/status. The file
// is trusted only when all of these hold, and ignored otherwise:
//
//   - it was written by the same build of ferry with the same settings
//     that change what a pass computes (the key, see [Key]);
//   - every ref is where it was: main, the stage branches, ferry/status
//     (a lost or rewritten status branch is a different ref), the notes;
//   - no wait it knew of has ended;
//   - no run waited on an answer from an event subscriber: a restarted
//     ferry must announce those waits again.
//
// A trigger (a webhook, see reconciler.Loop.Trigger) always runs a full
// pass. Writing the file is best effort: when it cannot be written or read,
// the first pass after a restart is a full one.
package idle
