package gitstore

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Edit is one change to a tree. Exactly one of Data, Hash or Delete is
// meaningful: Data writes a new blob, Hash points the path at an existing
// blob, Delete removes the path (a file or a whole directory).
type Edit struct {
	Path   string
	Data   []byte
	Hash   plumbing.Hash
	Mode   filemode.FileMode // default filemode.Regular
	Delete bool
}

// Put returns an edit writing data at p.
func Put(p string, data []byte) Edit { return Edit{Path: p, Data: data} }

// Delete returns an edit removing p.
func Delete(p string) Edit { return Edit{Path: p, Delete: true} }

// EditsOf turns files by path into edits, in path order: a nil content
// deletes the path.
func EditsOf(files map[string][]byte) []Edit {
	edits := make([]Edit, 0, len(files))
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if files[name] == nil {
			edits = append(edits, Delete(name))
		} else {
			edits = append(edits, Put(name, files[name]))
		}
	}
	return edits
}

// mtree is a tree being edited in memory. Subtrees are loaded from the
// object store only when an edit descends into them, so the cost of an edit
// is proportional to the depth of its path, not the size of the tree.
type mtree struct {
	src     storer.EncodedObjectStorer
	hash    plumbing.Hash // the stored tree this was loaded from; zero when new
	entries map[string]*mentry
	loaded  bool
	dirty   bool
}

type mentry struct {
	mode filemode.FileMode
	hash plumbing.Hash
	sub  *mtree // set once the subtree is loaded or created
}

func newMtree(src storer.EncodedObjectStorer, h plumbing.Hash) *mtree {
	return &mtree{src: src, hash: h}
}

// newRoot returns the root tree to edit: base, or a new empty tree that is
// written even if nothing is added to it.
func newRoot(src storer.EncodedObjectStorer, base plumbing.Hash) *mtree {
	if base.IsZero() {
		return &mtree{src: src, loaded: true, entries: map[string]*mentry{}, dirty: true}
	}
	return newMtree(src, base)
}

func (t *mtree) load() error {
	if t.loaded {
		return nil
	}
	t.entries = map[string]*mentry{}
	t.loaded = true
	if t.hash.IsZero() {
		return nil
	}
	entries, err := treeEntries(t.src, t.hash)
	if err != nil {
		return err
	}
	for _, e := range entries {
		t.entries[e.Name] = &mentry{mode: e.Mode, hash: e.Hash}
	}
	return nil
}

// treeSource is an object store that keeps decoded trees.
type treeSource interface {
	treeEntries(h plumbing.Hash) ([]object.TreeEntry, error)
}

// treeEntries returns the entries of tree h, decoded once per store.
// Callers must not modify the result.
func treeEntries(src storer.EncodedObjectStorer, h plumbing.Hash) ([]object.TreeEntry, error) {
	if ts, ok := src.(treeSource); ok {
		return ts.treeEntries(h)
	}
	return decodeTree(src, h)
}

func decodeTree(src storer.EncodedObjectStorer, h plumbing.Hash) ([]object.TreeEntry, error) {
	tr, err := object.GetTree(src, h)
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", h, notFound(err))
	}
	return tr.Entries, nil
}

// dir returns the subtree at name, creating it when create is set.
func (t *mtree) dir(name string, create bool) (*mtree, error) {
	if err := t.load(); err != nil {
		return nil, err
	}
	e, ok := t.entries[name]
	if !ok {
		if !create {
			return nil, nil
		}
		e = &mentry{mode: filemode.Dir, sub: &mtree{src: t.src, loaded: true, entries: map[string]*mentry{}}}
		t.entries[name] = e
		t.dirty = true
	}
	if e.mode != filemode.Dir {
		if !create {
			return nil, nil
		}
		// A file stands where a directory is wanted: replace it.
		e.mode, e.hash, e.sub = filemode.Dir, plumbing.ZeroHash, &mtree{src: t.src, loaded: true, entries: map[string]*mentry{}}
		t.dirty = true
	}
	if e.sub == nil {
		e.sub = newMtree(t.src, e.hash)
	}
	return e.sub, nil
}

// walk returns the tree holding the last element of p and that element.
func (t *mtree) walk(p string, create bool) (*mtree, string, error) {
	parts := strings.Split(p, "/")
	cur := t
	for _, name := range parts[:len(parts)-1] {
		next, err := cur.dir(name, create)
		if err != nil || next == nil {
			return nil, "", err
		}
		if create {
			cur.dirty = true
		}
		cur = next
	}
	return cur, parts[len(parts)-1], nil
}

// set points p at a blob, creating directories on the way.
func (t *mtree) set(p string, mode filemode.FileMode, h plumbing.Hash) error {
	parent, name, err := t.walk(p, true)
	if err != nil {
		return err
	}
	if err := parent.load(); err != nil {
		return err
	}
	if e, ok := parent.entries[name]; ok && e.sub == nil && e.mode == mode && e.hash == h {
		return nil // the same file: the tree need not be written again
	}
	parent.entries[name] = &mentry{mode: mode, hash: h}
	parent.dirty = true
	return nil
}

// remove deletes p. Removing a path that does not exist is not an error.
func (t *mtree) remove(p string) error {
	parts := strings.Split(p, "/")
	return t.removeParts(parts)
}

func (t *mtree) removeParts(parts []string) error {
	if err := t.load(); err != nil {
		return err
	}
	if len(parts) == 1 {
		if _, ok := t.entries[parts[0]]; ok {
			delete(t.entries, parts[0])
			t.dirty = true
		}
		return nil
	}
	sub, err := t.dir(parts[0], false)
	if err != nil || sub == nil {
		return err
	}
	if err := sub.removeParts(parts[1:]); err != nil {
		return err
	}
	if sub.dirty {
		t.dirty = true
		if len(sub.entries) == 0 {
			delete(t.entries, parts[0]) // Git keeps no empty directories
		}
	}
	return nil
}

// get returns the entry at p, or nil.
func (t *mtree) get(p string) (*mentry, error) {
	parent, name, err := t.walk(p, false)
	if err != nil || parent == nil {
		return nil, err
	}
	if err := parent.load(); err != nil {
		return nil, err
	}
	return parent.entries[name], nil
}

// write stores every modified tree into ov and returns the root's hash.
func (t *mtree) write(ov *overlay) (plumbing.Hash, error) {
	if !t.dirty {
		return t.hash, nil
	}
	names := make([]string, 0, len(t.entries))
	for name, e := range t.entries {
		if e.sub != nil && e.sub.dirty {
			h, err := e.sub.write(ov)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			e.hash = h
		}
		names = append(names, name)
	}
	sortTreeNames(names, t.entries)
	tr := object.Tree{Entries: make([]object.TreeEntry, 0, len(names))}
	for _, name := range names {
		e := t.entries[name]
		tr.Entries = append(tr.Entries, object.TreeEntry{Name: name, Mode: e.mode, Hash: e.hash})
	}
	obj := &plumbing.MemoryObject{}
	if err := tr.Encode(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("encode tree: %w", err)
	}
	h, _ := ov.SetEncodedObject(obj)
	t.hash, t.dirty = h, false
	return h, nil
}

// sortTreeNames orders names as Git does: byte-wise, with directory names
// compared as if they ended in "/".
func sortTreeNames(names []string, entries map[string]*mentry) {
	key := func(n string) string {
		if entries[n].mode == filemode.Dir {
			return n + "/"
		}
		return n
	}
	sort.Slice(names, func(i, j int) bool { return key(names[i]) < key(names[j]) })
}

// errBadPath reports a path Git cannot store.
var errBadPath = errors.New("invalid path")

func cleanPath(p string) (string, error) {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || path.Clean(p) != p {
		return "", fmt.Errorf("%w %q", errBadPath, p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == "." || part == ".." || part == ".git" || strings.ContainsRune(part, 0) {
			return "", fmt.Errorf("%w %q", errBadPath, p)
		}
	}
	return p, nil
}

// applyEditsTo applies edits to root, a tree being edited, and writes it.
func applyEditsTo(ov *overlay, root *mtree, edits []Edit) (plumbing.Hash, error) {
	for _, e := range edits {
		p, err := cleanPath(e.Path)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if e.Delete {
			if err := root.remove(p); err != nil {
				return plumbing.ZeroHash, fmt.Errorf("delete %q: %w", p, err)
			}
			continue
		}
		h := e.Hash
		if e.Data != nil || h.IsZero() {
			h = ov.put(plumbing.BlobObject, e.Data)
		}
		mode := e.Mode
		if mode == filemode.Empty {
			mode = filemode.Regular
		}
		if err := root.set(p, mode, h); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("write %q: %w", p, err)
		}
	}
	return root.write(ov)
}
