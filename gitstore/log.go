package gitstore

import (
	"errors"
	"fmt"
	"slices"

	"github.com/go-git/go-git/v5/plumbing"
)

// DefaultLogLimit is how many commits a walk reads when [LogOptions] sets
// no Limit.
const DefaultLogLimit = 1000

// LogOptions select the commits of a history walk.
type LogOptions struct {
	// FirstParent follows only the first parent of merges: the history of
	// a branch as its own commits made it. Otherwise every parent is
	// followed, breadth first, and each commit is visited once.
	FirstParent bool
	// Limit bounds the commits the walk reads, whether or not they are
	// passed on. Default [DefaultLogLimit]; a negative value means no limit.
	// A walk that reaches the limit ends without an error.
	Limit int
	// Until ends the walk before this commit: it is not visited, nor are
	// its ancestors, as in "git log Until..start". Without FirstParent the
	// ancestors of Until are looked up first, within Limit commits. An
	// Until the mirror does not have hides nothing but itself.
	Until Hash
	// Path keeps only the commits that changed the file or directory at
	// Path compared with their first parent (a root commit with the empty
	// tree). Commits left out still count towards Limit.
	Path string
}

// Validate fills defaults and reports a Path Git cannot hold.
func (o *LogOptions) Validate() error {
	if o.Limit == 0 {
		o.Limit = DefaultLogLimit
	}
	if o.Path != "" {
		if _, err := cleanPath(o.Path); err != nil {
			return fmt.Errorf("log path: %w", err)
		}
	}
	return nil
}

// Log calls fn for the commits reachable from start, start first, then
// towards the root as opts says. A zero start has no history. fn returns
// [ErrStopWalk] to end the walk early without an error; any other error
// ends the walk and is returned as is. A start the mirror does not have
// ends the walk with an error that [IsNotFound] recognises; a missing
// commit that a commit of the mirror reaches is [ErrCorrupt].
func (r Reader) Log(start Hash, opts LogOptions, fn func(*Commit) error) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	err := r.walk(start, opts, fn)
	if errors.Is(err, ErrStopWalk) {
		return nil
	}
	return err
}

// Find returns the first commit of [Reader.Log] for which match is true,
// or an error wrapping [ErrNotFound] when the walk ends without one.
func (r Reader) Find(start Hash, opts LogOptions, match func(*Commit) bool) (*Commit, error) {
	var found *Commit
	err := r.Log(start, opts, func(c *Commit) error {
		if match(c) {
			found = c
			return ErrStopWalk
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("find commit from %s: %w", start, ErrNotFound)
	}
	return found, nil
}

// IsAncestor reports whether ancestor is reachable from descendant within
// the history opts selects (opts.Path is ignored). A commit is its own
// ancestor, as in "git merge-base --is-ancestor". A commit the mirror does
// not have, on either side, is not an ancestor; one missing on the way is
// [ErrCorrupt]. A walk that reaches opts.Limit without meeting ancestor
// answers false.
func (r Reader) IsAncestor(ancestor, descendant Hash, opts LogOptions) (bool, error) {
	if ancestor.IsZero() || descendant.IsZero() {
		return false, nil
	}
	opts.Path = ""
	_, err := r.Find(descendant, opts, func(c *Commit) bool { return c.Hash == ancestor })
	switch {
	case err == nil:
		return true, nil
	case IsNotFound(err):
		return false, nil
	}
	return false, err
}

// walk visits the history of start breadth first; opts are validated.
func (r Reader) walk(start Hash, opts LogOptions, fn func(*Commit) error) error {
	if start.IsZero() {
		return nil
	}
	hidden, err := r.hidden(opts)
	if err != nil {
		return err
	}
	seen := map[Hash]bool{}
	queue := []Hash{start}
	for n := 0; len(queue) > 0 && (opts.Limit < 0 || n < opts.Limit); {
		h := queue[0]
		queue = queue[1:]
		if seen[h] || hidden[h] {
			continue
		}
		seen[h] = true
		n++
		c, err := r.Commit(h)
		if err != nil {
			if h != start && IsNotFound(err) {
				// The mirror has every commit the ones it has reach.
				return fmt.Errorf("history of %s: commit %s: %w: missing", start, h, ErrCorrupt)
			}
			return err
		}
		parents := c.Parents
		if opts.FirstParent && len(parents) > 1 {
			parents = parents[:1]
		}
		queue = append(queue, parents...)
		ok, err := r.touches(c, opts.Path)
		if err != nil {
			return err
		}
		if ok {
			if err := fn(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// hidden returns the commits a walk must not visit: Until, and without
// FirstParent its ancestors within Limit.
func (r Reader) hidden(opts LogOptions) (map[Hash]bool, error) {
	out := map[Hash]bool{}
	if opts.Until.IsZero() {
		return out, nil
	}
	out[opts.Until] = true
	if opts.FirstParent {
		return out, nil
	}
	err := r.walk(opts.Until, LogOptions{Limit: opts.Limit}, func(c *Commit) error {
		out[c.Hash] = true
		return nil
	})
	if err != nil && !IsNotFound(err) {
		return nil, err
	}
	return out, nil
}

// touches reports whether commit c changed the file or directory at p
// compared with its first parent. An empty p matches every commit.
func (r Reader) touches(c *Commit, p string) (bool, error) {
	if p == "" {
		return true, nil
	}
	var before plumbing.Hash
	if len(c.Parents) > 0 {
		var err error
		if before, err = r.tree(c.Parents[0]); err != nil {
			return false, err
		}
	}
	a, err := r.entryAt(before, p)
	if err != nil {
		return false, err
	}
	b, err := r.entryAt(c.Tree, p)
	if err != nil {
		return false, err
	}
	return a != b, nil
}

// pathEntry is what a tree holds at a path: nothing when Hash is zero.
type pathEntry struct {
	Hash plumbing.Hash
	Mode uint32
}

// entryAt returns the entry at p below tree root; a zero root is empty.
func (r Reader) entryAt(root plumbing.Hash, p string) (pathEntry, error) {
	if root.IsZero() {
		return pathEntry{}, nil
	}
	e, ok, err := lookup(r.src, root, p)
	if err != nil || !ok {
		return pathEntry{}, err
	}
	return pathEntry{Hash: e.Hash, Mode: uint32(e.Mode)}, nil
}

// BroughtBy returns the commit that brought c onto the first-parent
// history from tip: c itself when it is on it (a fast-forward, a squash),
// else the merge commit whose other parent is c. Found within opts.Limit
// commits; otherwise a not-found error.
func (r Reader) BroughtBy(tip, c Hash, opts LogOptions) (*Commit, error) {
	opts.FirstParent = true
	return r.Find(tip, opts, func(m *Commit) bool {
		return m.Hash == c || len(m.Parents) > 1 && slices.Contains(m.Parents[1:], c)
	})
}
