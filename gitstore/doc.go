// Package gitstore provides everything ferry does with Git: a persistent bare
// mirror of the refs ferry uses, reading files at a commit, building trees and
// commits in memory without a worktree, commit trailers, notes in Git's own
// layout, and atomic compare-and-swap pushes of several refs at once.
//
// # The mirror
//
// A [Store] keeps a bare repository in a state directory. [Store.Fetch] asks
// the remote for its refs first and transfers objects only when one of the refs
// ferry uses moved: the main branch, the stage branches, ferry's own branches and
// refs/notes/ferry. The mirror survives restarts; it holds no state of its own
// beyond what the remote has.
//
// # Writing
//
// A [Batch] collects new objects in memory on top of a [Snapshot] of the refs:
// tree edits ([Edit]), commits with trailers ([Trailers]) and notes. Nothing
// touches the remote until [Store.Push], which sends every changed ref in one
// atomic push whose commands carry the old value each ref had in the snapshot.
// The server applies all of them or none, and rejects the push when any ref
// moved since the fetch ([ErrStale]); callers fetch again and recompute. There
// is no force push.
//
// [Store.Update] is that loop, under one retry policy: fetch, call the
// caller's function with the snapshot and a new batch, push; on [ErrStale]
// wait a jittered backoff ([UpdateBackoff], doubling up to
// [MaxUpdateBackoff]), fetch and call the function again, at most
// Options.UpdateAttempts times in all ([DefaultUpdateAttempts]). A function
// that returns [ErrNoChange] or leaves the batch empty pushes nothing; any
// other error, and the context, end the loop at once.
//
// # History
//
// [Reader.Log] walks the commits reachable from a commit, newest first, on
// first parents or through every parent, bounded by [LogOptions]; it may
// stop before a commit or keep only the commits that changed a path.
// [Reader.Find] and [Reader.IsAncestor] are built on it. Ferry's own commit
// trailers have named keys ([TrailerService] and the rest) and are read and
// written as [FerryTrailers].
//
// # Secrets
//
// Credentials are read from files or the environment, passed to the transport
// and never formatted: URLs are shown through [Redact], and every error that
// leaves the package is scrubbed of the configured secrets.
package gitstore
