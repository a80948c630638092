package gitstore

import (
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// fanoutThreshold is how many notes a flat level of the notes tree holds
// before ferry splits it into 256 two-hex-digit subdirectories, as
// git-notes(1) does for large note sets. Readers accept any fan-out.
const fanoutThreshold = 256

// readNote returns the note for target in the notes commit notes.
func readNote(src storer.EncodedObjectStorer, notes, target plumbing.Hash) ([]byte, error) {
	if notes.IsZero() {
		return nil, fmt.Errorf("note for %s: %w", target, ErrNotFound)
	}
	c, err := object.GetCommit(src, notes)
	if err != nil {
		return nil, fmt.Errorf("read notes commit %s: %w", notes, err)
	}
	root := newMtree(src, c.TreeHash)
	p, err := findNote(root, "", target.String())
	if err != nil {
		return nil, err
	}
	if p == "" {
		return nil, fmt.Errorf("note for %s: %w", target, ErrNotFound)
	}
	e, err := root.get(p)
	if err != nil {
		return nil, err
	}
	return readBlob(src, e.hash)
}

// findNote returns the path of the note for the object named hex below t
// (whose own path is dir), in any fan-out, or "" when there is none.
func findNote(t *mtree, dir, hex string) (string, error) {
	if err := t.load(); err != nil {
		return "", err
	}
	if e, ok := t.entries[hex]; ok && e.mode != filemode.Dir {
		return join(dir, hex), nil
	}
	if len(hex) <= 2 {
		return "", nil
	}
	sub, err := t.dir(hex[:2], false)
	if err != nil || sub == nil {
		return "", err
	}
	return findNote(sub, join(dir, hex[:2]), hex[2:])
}

// placeNote returns where a new note for hex goes below t: into the
// two-hex-digit subdirectory at each fanned-out level, else at this level,
// which is fanned out first once it holds fanoutThreshold notes.
func placeNote(t *mtree, dir, hex string) (string, error) {
	if err := t.load(); err != nil {
		return "", err
	}
	if !isFanned(t) && countNotes(t) >= fanoutThreshold {
		if err := fanOut(t); err != nil {
			return "", err
		}
	}
	if !isFanned(t) || len(hex) <= 2 {
		return join(dir, hex), nil
	}
	sub, err := t.dir(hex[:2], true)
	if err != nil {
		return "", err
	}
	t.dirty = true
	return placeNote(sub, join(dir, hex[:2]), hex[2:])
}

func isFanned(t *mtree) bool {
	for name, e := range t.entries {
		if e.mode == filemode.Dir && len(name) == 2 && isHex(name) {
			return true
		}
	}
	return false
}

func countNotes(t *mtree) int {
	n := 0
	for name, e := range t.entries {
		if e.mode != filemode.Dir && len(name) > 2 && isHex(name) {
			n++
		}
	}
	return n
}

// fanOut moves every note at this level into its two-hex-digit directory.
func fanOut(t *mtree) error {
	for name, e := range t.entries {
		if e.mode == filemode.Dir || len(name) <= 2 || !isHex(name) {
			continue
		}
		delete(t.entries, name)
		if err := t.set(name[:2]+"/"+name[2:], e.mode, e.hash); err != nil {
			return err
		}
	}
	t.dirty = true
	return nil
}

// writeNotes applies note edits (nil content deletes a note) to the tree of
// the notes commit base and returns the new tree.
func writeNotes(ov *overlay, baseTree plumbing.Hash, targets []plumbing.Hash, contents map[plumbing.Hash][]byte) (plumbing.Hash, error) {
	root := newRoot(ov, baseTree)
	for _, target := range targets {
		hex := target.String()
		old, err := findNote(root, "", hex)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if old != "" {
			if err := root.remove(old); err != nil {
				return plumbing.ZeroHash, err
			}
		}
		content := contents[target]
		if content == nil {
			continue
		}
		p, err := placeNote(root, "", hex)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if err := root.set(p, filemode.Regular, ov.put(plumbing.BlobObject, content)); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	return root.write(ov)
}

func readBlob(src storer.EncodedObjectStorer, h plumbing.Hash) ([]byte, error) {
	obj, err := src.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	r, err := obj.Reader()
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	defer func() { _ = r.Close() }()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	return b, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
