package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ferrycd/ferry/gitstore"
)

// Bounds of commit prefix resolution.
const (
	minCommitPrefix = 4
	// maxResolveCommits bounds the commits read to resolve a prefix.
	maxResolveCommits = 20000
)

// commitHelp says how a commit may be given, for flag help.
const commitHelp = "a unique prefix of 4 or more hex digits (resolved among the commits of main, the stage branches and ferry's branches)"

// resolveCommit resolves a commit given as a full SHA or as a unique prefix
// of 4 or more hex digits. The mirror cannot list objects by prefix, so a
// prefix is matched against the commits reachable from the refs ferry
// tracks (main, the stage branches, ferry/status and proposals, not the
// notes), up to maxResolveCommits of them, newest tips first.
func resolveCommit(s *gitstore.Store, snap gitstore.Snapshot, prefix string) (gitstore.Hash, error) {
	p := strings.ToLower(strings.TrimSpace(prefix))
	if len(p) < minCommitPrefix || len(p) > 40 || strings.Trim(p, "0123456789abcdef") != "" {
		return gitstore.ZeroHash, fmt.Errorf("commit %q: give a SHA or a prefix of %d to 40 hex digits", prefix, minCommitPrefix)
	}
	if len(p) == 40 {
		h := gitstore.NewHash(p)
		if _, err := s.Commit(h); err != nil {
			return gitstore.ZeroHash, fmt.Errorf("commit %s: %w", p, err)
		}
		return h, nil
	}
	matches, err := commitsWithPrefix(s, snap, p)
	if err != nil {
		return gitstore.ZeroHash, err
	}
	switch len(matches) {
	case 0:
		return gitstore.ZeroHash, fmt.Errorf("commit %q: no commit of main, the stage branches or ferry's branches starts with it", prefix)
	case 1:
		return matches[0].Hash, nil
	}
	cands := make([]string, len(matches))
	for i, c := range matches {
		cands[i] = c.Hash.String()[:12] + " " + c.Subject()
	}
	sort.Strings(cands)
	return gitstore.ZeroHash, fmt.Errorf("commit %q is ambiguous; candidates:\n  %s", prefix, strings.Join(cands, "\n  "))
}

// commitsWithPrefix walks the tracked refs' history for commits whose SHA
// starts with p.
func commitsWithPrefix(s *gitstore.Store, snap gitstore.Snapshot, p string) ([]*gitstore.Commit, error) {
	refs := make([]string, 0, len(snap.Refs))
	for ref := range snap.Refs {
		if ref != s.NotesRef() {
			refs = append(refs, ref)
		}
	}
	sort.Strings(refs)
	queue := make([]gitstore.Hash, 0, len(refs))
	for _, ref := range refs {
		queue = append(queue, snap.Get(ref))
	}
	seen := map[gitstore.Hash]bool{}
	var out []*gitstore.Commit
	for len(queue) > 0 && len(seen) < maxResolveCommits {
		h := queue[0]
		queue = queue[1:]
		if seen[h] || h.IsZero() {
			continue
		}
		seen[h] = true
		c, err := s.Commit(h)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(h.String(), p) {
			out = append(out, c)
		}
		queue = append(queue, c.Parents...)
	}
	return out, nil
}
