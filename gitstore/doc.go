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
// # Healing
//
// Because the remote has everything the mirror holds, a damaged mirror is
// rebuilt rather than repaired. An object the mirror has but cannot read (a
// zlib or flate error, a truncated pack, a malformed pack index), and one it
// lacks although a ref, commit or tree of the mirror reaches it, is
// [ErrCorrupt]; reads return it, and [IsCorrupt] recognises it. A commit
// that is simply not there, asked for by a hash the caller chose, stays
// [ErrNotFound]. [Store.Heal] moves the mirror aside, creates an empty one in
// its place under the same lock, forgets every decoded object and open pack,
// and fetches everything again. It asks the remote for its refs before it
// touches the mirror, so with the remote unreachable the error is transient
// ([ErrNetwork]) and the mirror stays as it was.
//
// Nobody needs to call Heal in the usual course. [Store.Fetch] reads the
// objects the refs point at, and heals when one does not read or when any
// read since the last rebuild met corruption, even a read whose caller
// ignored the error. [Store.Update] heals when fn or the push fails on
// corruption, or when fn read through corruption and went on, and then
// calls fn again on the rebuilt mirror; it heals at most once. [Open]
// replaces a mirror whose repository it cannot open. Each reports what it
// did in [FetchResult].Healed or [UpdateResult].Healed; the package logs
// nothing.
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
// that returns [ErrNoChange] or leaves the batch empty pushes nothing; a
// corrupt mirror is healed once (see Healing); any other error, and the
// context, end the loop at once.
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
