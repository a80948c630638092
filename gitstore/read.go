package gitstore

import (
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Reader reads commits, files and notes from an object store. [Store] and
// [Batch] embed one: a batch's reader also sees the objects it wrote.
type Reader struct {
	src storer.EncodedObjectStorer
}

// Commit is a commit as ferry reads it.
type Commit struct {
	Hash      Hash
	Tree      Hash
	Parents   []Hash
	Author    object.Signature
	Committer object.Signature
	Message   string
	Trailers  Trailers
}

// Subject returns the first line of the message.
func (c *Commit) Subject() string {
	s, _, _ := strings.Cut(c.Message, "\n")
	return s
}

// FirstParent returns the first parent, or [ZeroHash] for a root commit:
// what [Reader.ChangedPaths] compares a commit with.
func (c *Commit) FirstParent() Hash {
	if len(c.Parents) == 0 {
		return ZeroHash
	}
	return c.Parents[0]
}

// Commit reads the commit h.
func (r Reader) Commit(h Hash) (*Commit, error) {
	c, err := object.GetCommit(r.src, h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, notFound(err))
	}
	return &Commit{
		Hash: c.Hash, Tree: c.TreeHash, Parents: c.ParentHashes,
		Author: c.Author, Committer: c.Committer,
		Message: c.Message, Trailers: ParseTrailers(c.Message),
	}, nil
}

// RawCommit returns the commit h as Git stores it, without the object
// header: what `git cat-file commit` prints, and what its signature signs.
func (r Reader) RawCommit(h Hash) ([]byte, error) {
	o, err := r.src.EncodedObject(plumbing.CommitObject, h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, notFound(err))
	}
	rd, err := o.Reader()
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	defer func() { _ = rd.Close() }()
	b, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	return b, nil
}

func (r Reader) tree(commit Hash) (plumbing.Hash, error) {
	if ct, ok := r.src.(commitTreeSource); ok {
		return ct.commitTree(commit)
	}
	return decodeCommitTree(r.src, commit)
}

// commitTreeSource is an object store that remembers commits' trees.
type commitTreeSource interface {
	commitTree(commit plumbing.Hash) (plumbing.Hash, error)
}

func decodeCommitTree(src storer.EncodedObjectStorer, commit plumbing.Hash) (plumbing.Hash, error) {
	c, err := object.GetCommit(src, commit)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read commit %s: %w", commit, notFound(err))
	}
	return c.TreeHash, nil
}

// ReadFile returns the content of the file at p in commit.
func (r Reader) ReadFile(commit Hash, p string) ([]byte, error) {
	root, err := r.tree(commit)
	if err != nil {
		return nil, err
	}
	e, ok, err := lookup(r.src, root, p)
	if err != nil {
		return nil, fmt.Errorf("read %q at %s: %w", p, commit, err)
	}
	if !ok || e.Mode == filemode.Dir || e.Mode == filemode.Submodule {
		return nil, fmt.Errorf("read %q at %s: %w", p, commit, ErrNotFound)
	}
	return readBlob(r.src, e.Hash)
}

// lookup finds the entry at path p below tree root, reading only the
// trees on the path (decoded once per store) and allocating nothing per
// level.
func lookup(src storer.EncodedObjectStorer, root plumbing.Hash, p string) (object.TreeEntry, bool, error) {
	h := root
	for {
		name, rest, more := strings.Cut(p, "/")
		entries, err := treeEntries(src, h)
		if err != nil {
			return object.TreeEntry{}, false, err
		}
		i := -1
		for k := range entries {
			if entries[k].Name == name {
				i = k
				break
			}
		}
		if i < 0 {
			return object.TreeEntry{}, false, nil
		}
		if !more {
			return entries[i], true, nil
		}
		if entries[i].Mode != filemode.Dir {
			return object.TreeEntry{}, false, nil
		}
		h, p = entries[i].Hash, rest
	}
}

// Exists reports whether p names a file or directory in commit.
func (r Reader) Exists(commit Hash, p string) (bool, error) {
	root, err := r.tree(commit)
	if err != nil {
		return false, err
	}
	_, ok, err := lookup(r.src, root, p)
	return ok, err
}

// ReadDir returns every file below dir in commit, by path relative to dir.
// An empty dir means the whole tree. A missing directory is [ErrNotFound].
func (r Reader) ReadDir(commit Hash, dir string) (map[string][]byte, error) {
	h, err := r.subtree(commit, dir)
	if err != nil {
		return nil, fmt.Errorf("read dir %q at %s: %w", dir, commit, err)
	}
	files := map[string][]byte{}
	err = r.walkTree(h, "", func(p string, e object.TreeEntry) error {
		b, err := readBlob(r.src, e.Hash)
		if err != nil {
			return err
		}
		files[p] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read dir %q at %s: %w", dir, commit, err)
	}
	return files, nil
}

// Size returns the size in bytes of the file at p in commit, without
// reading its content. A missing path, or a directory, is [ErrNotFound].
func (r Reader) Size(commit Hash, p string) (int64, error) {
	root, err := r.tree(commit)
	if err != nil {
		return 0, err
	}
	e, ok, err := lookup(r.src, root, p)
	if err != nil {
		return 0, fmt.Errorf("size of %q at %s: %w", p, commit, err)
	}
	if !ok || e.Mode == filemode.Dir || e.Mode == filemode.Submodule {
		return 0, fmt.Errorf("size of %q at %s: %w", p, commit, ErrNotFound)
	}
	n, err := r.src.EncodedObjectSize(e.Hash)
	if err != nil {
		return 0, fmt.Errorf("size of %q at %s: %w", p, commit, notFound(err))
	}
	return n, nil
}

// ListFiles returns the size of every file below dir in commit, by path
// relative to dir, without reading their content: what to check before
// [Reader.ReadDir]. A missing directory has no files.
func (r Reader) ListFiles(commit Hash, dir string) (map[string]int64, error) {
	h, err := r.subtree(commit, dir)
	if errors.Is(err, errNoDir) {
		return map[string]int64{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list files of %q at %s: %w", dir, commit, err)
	}
	files := map[string]int64{}
	err = r.walkTree(h, "", func(p string, e object.TreeEntry) error {
		n, err := r.src.EncodedObjectSize(e.Hash)
		if err != nil {
			return fmt.Errorf("size of %q: %w", p, notFound(err))
		}
		files[p] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list files of %q at %s: %w", dir, commit, err)
	}
	return files, nil
}

// walkTree calls fn for every blob below tree h, in Git's order.
func (r Reader) walkTree(h plumbing.Hash, prefix string, fn func(string, object.TreeEntry) error) error {
	entries, err := treeEntries(r.src, h)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := join(prefix, e.Name)
		switch e.Mode {
		case filemode.Dir:
			if err := r.walkTree(e.Hash, p, fn); err != nil {
				return err
			}
		case filemode.Submodule:
			continue
		default:
			if err := fn(p, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// ChangedPaths lists the files that differ between the trees of commits
// from and to, sorted. A zero from compares with the empty tree. Subtrees
// with equal hashes are skipped, so the cost follows the size of the change.
func (r Reader) ChangedPaths(from, to Hash) ([]string, error) {
	var a plumbing.Hash
	if !from.IsZero() {
		var err error
		if a, err = r.tree(from); err != nil {
			return nil, err
		}
	}
	b, err := r.tree(to)
	if err != nil {
		return nil, err
	}
	var out []string
	if err := r.diffTrees(a, b, "", &out); err != nil {
		return nil, fmt.Errorf("diff %s..%s: %w", from, to, err)
	}
	sort.Strings(out)
	return out, nil
}

func (r Reader) entries(h plumbing.Hash) (map[string]object.TreeEntry, error) {
	m := map[string]object.TreeEntry{}
	if h.IsZero() {
		return m, nil
	}
	entries, err := treeEntries(r.src, h)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		m[e.Name] = e
	}
	return m, nil
}

func (r Reader) diffTrees(a, b plumbing.Hash, prefix string, out *[]string) error {
	if a == b {
		return nil
	}
	ea, err := r.entries(a)
	if err != nil {
		return err
	}
	eb, err := r.entries(b)
	if err != nil {
		return err
	}
	for name, x := range ea {
		y, ok := eb[name]
		if ok && x.Hash == y.Hash && x.Mode == y.Mode {
			continue
		}
		if err := r.diffEntry(x, y, ok, join(prefix, name), out); err != nil {
			return err
		}
	}
	for name, y := range eb {
		if _, ok := ea[name]; !ok {
			if err := r.diffEntry(object.TreeEntry{}, y, true, join(prefix, name), out); err != nil {
				return err
			}
		}
	}
	return nil
}

// diffEntry records the change of one entry from x to y (y absent unless hasY).
func (r Reader) diffEntry(x, y object.TreeEntry, hasY bool, p string, out *[]string) error {
	var ta, tb plumbing.Hash
	fileChanged := false
	if x.Mode == filemode.Dir {
		ta = x.Hash
	} else if !x.Hash.IsZero() {
		fileChanged = true
	}
	if hasY && y.Mode == filemode.Dir {
		tb = y.Hash
	} else if hasY {
		fileChanged = true
	}
	if fileChanged {
		*out = append(*out, p)
	}
	if !ta.IsZero() || !tb.IsZero() {
		return r.diffTrees(ta, tb, p, out)
	}
	return nil
}

// Note returns the note on target in the notes commit notes.
func (r Reader) Note(notes, target Hash) ([]byte, error) {
	return readNote(r.src, notes, target)
}

// notFound marks an object the mirror does not have as [ErrNotFound],
// unless it should have had it ([ErrCorrupt]).
func notFound(err error) error {
	if errors.Is(err, plumbing.ErrObjectNotFound) && !IsCorrupt(err) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// ListDir returns the names of the entries of directory dir in commit, in
// Git's order, without reading their content. A missing directory has no
// entries.
func (r Reader) ListDir(commit Hash, dir string) ([]string, error) {
	h, err := r.subtree(commit, dir)
	if errors.Is(err, errNoDir) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %q at %s: %w", dir, commit, err)
	}
	entries, err := treeEntries(r.src, h)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name
	}
	return names, nil
}

// ListDirs returns the names of the entries of each directory in dir of
// commit, by directory; the other entries of dir map to nil. It reads dir's
// tree once, where ListDir on each directory would read it again each time.
func (r Reader) ListDirs(commit Hash, dir string) (map[string][]string, error) {
	h, err := r.subtree(commit, dir)
	if errors.Is(err, errNoDir) {
		return map[string][]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %q at %s: %w", dir, commit, err)
	}
	entries, err := treeEntries(r.src, h)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(entries))
	for _, e := range entries {
		out[e.Name] = nil
		if e.Mode != filemode.Dir {
			continue
		}
		sub, err := treeEntries(r.src, e.Hash)
		if err != nil {
			return nil, fmt.Errorf("list %q at %s: %w", path.Join(dir, e.Name), commit, err)
		}
		names := make([]string, len(sub))
		for i, s := range sub {
			names[i] = s.Name
		}
		out[e.Name] = names
	}
	return out, nil
}

// subtree returns the tree of directory dir in commit ("" for the root).
func (r Reader) subtree(commit Hash, dir string) (plumbing.Hash, error) {
	root, err := r.tree(commit)
	if err != nil || dir == "" {
		return root, err
	}
	e, ok, err := lookup(r.src, root, dir)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if !ok || e.Mode != filemode.Dir {
		return plumbing.ZeroHash, errNoDir
	}
	return e.Hash, nil
}

// errNoDir reports a directory that does not exist in a commit that does.
var errNoDir = fmt.Errorf("no such directory: %w", ErrNotFound)

// LineChanges counts the lines of a file added and removed between two
// commits, as a multiset of lines (order is not compared); a commit that is
// zero or lacks the file counts as an empty file.
func (r Reader) LineChanges(from, to Hash, p string) (added, removed int) {
	lines := func(commit Hash) map[string]int {
		out := map[string]int{}
		if commit.IsZero() {
			return out
		}
		if data, err := r.ReadFile(commit, p); err == nil {
			for _, l := range strings.Split(string(data), "\n") {
				out[l]++
			}
		}
		return out
	}
	a, b := lines(from), lines(to)
	for l, n := range b {
		added += max(n-a[l], 0)
	}
	for l, n := range a {
		removed += max(n-b[l], 0)
	}
	return added, removed
}

// ShortSHA abbreviates a commit id to its first 7 hex digits, as git does
// by default; other strings are returned as they are.
func ShortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
