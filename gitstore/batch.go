package gitstore

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// DefaultSignature is the identity ferry commits as when none is given.
var DefaultSignature = object.Signature{Name: "ferry", Email: "ferry@localhost"}

// Batch collects the changes of one pass: commits on several refs, ref
// moves and notes, all in memory on top of a [Snapshot]. [Store.Push] sends
// them in one atomic push. A Batch is not safe for concurrent use.
type Batch struct {
	Reader
	store    *Store
	base     Snapshot
	ov       *overlay
	tips     map[string]Hash // refs the batch moved, by full name; zero deletes
	notes    map[Hash][]byte // pending note edits; nil content deletes
	noteKeys []Hash
	// roots keeps the trees the batch wrote, loaded, by hash: the next
	// commit on top of one edits it in place instead of decoding it again,
	// so a run of commits on one branch costs the size of the edits.
	roots map[plumbing.Hash]*mtree
	// Now stamps commits without an explicit time. Default time.Now.
	Now func() time.Time
}

// Begin starts a batch on top of snap, usually the snapshot of the fetch
// that started the pass. The push will succeed only if every ref it changes
// still has the value it has in snap.
func (s *Store) Begin(snap Snapshot) *Batch {
	ov := newOverlay(s.objs)
	return &Batch{
		Reader: Reader{src: ov},
		store:  s, base: snap, ov: ov,
		tips:  map[string]Hash{},
		notes: map[Hash][]byte{},
		roots: map[plumbing.Hash]*mtree{},
		Now:   time.Now,
	}
}

// Base returns the snapshot the batch started from.
func (b *Batch) Base() Snapshot { return b.base }

// Tip returns the commit ref points to in the batch: the last commit the
// batch made on it, else its value in the snapshot.
func (b *Batch) Tip(ref string) Hash {
	if h, ok := b.tips[ref]; ok {
		return h
	}
	return b.base.Get(ref)
}

// Empty reports whether the batch changes nothing.
func (b *Batch) Empty() bool { return len(b.updates()) == 0 && len(b.noteKeys) == 0 }

// CommitRequest describes a commit on top of a ref's tip.
type CommitRequest struct {
	// Edits change the parent's tree.
	Edits []Edit
	// Message is the commit message without trailers.
	Message string
	// Trailers are appended to the message.
	Trailers Trailers
	// Author and Committer default to [DefaultSignature]; a zero When is
	// set to the batch's Now.
	Author, Committer object.Signature
	// AllowEmpty commits even when the edits leave the tree unchanged.
	AllowEmpty bool
}

// ErrNoChange reports a commit whose edits change nothing.
var ErrNoChange = errors.New("no change")

// Commit makes a commit on ref (a full ref name) whose parent is the ref's
// tip in the batch, or a root commit when the ref does not exist yet, and
// moves the ref to it. It returns [ErrNoChange] when the edits leave the
// tree as it was and AllowEmpty is not set.
func (b *Batch) Commit(ref string, req CommitRequest) (Hash, error) {
	baseTree, parents, err := b.parent(ref)
	if err != nil {
		return ZeroHash, fmt.Errorf("commit on %s: %w", ref, err)
	}
	tree, err := b.editTree(baseTree, req.Edits)
	if err != nil {
		return ZeroHash, fmt.Errorf("commit on %s: %w", ref, err)
	}
	if tree == baseTree && len(parents) > 0 && !req.AllowEmpty {
		return ZeroHash, fmt.Errorf("commit on %s: %w", ref, ErrNoChange)
	}
	h, err := b.CreateCommit(tree, parents, req)
	if err != nil {
		return ZeroHash, fmt.Errorf("commit on %s: %w", ref, err)
	}
	b.tips[ref] = h
	return h, nil
}

// Create makes req the root commit of ref when ref does not exist in the
// batch, and does nothing when it does: a branch others build on is
// created once, in the push that first needs it.
func (b *Batch) Create(ref string, req CommitRequest) error {
	if !b.Tip(ref).IsZero() {
		return nil
	}
	_, err := b.Commit(ref, req)
	return err
}

// parent returns the tree and parent list a new commit on ref builds on:
// the ref's tip in the batch, or nothing when the ref does not exist yet.
func (b *Batch) parent(ref string) (plumbing.Hash, []Hash, error) {
	tip := b.Tip(ref)
	if tip.IsZero() {
		return plumbing.ZeroHash, nil, nil
	}
	t, err := b.tree(tip)
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	return t, []Hash{tip}, nil
}

// WriteTree applies edits to the tree base (zero for an empty tree) and
// returns the new tree without committing it.
func (b *Batch) WriteTree(base Hash, edits []Edit) (Hash, error) {
	return b.editTree(base, edits)
}

// editTree applies edits to base, reusing the loaded tree when the batch
// wrote base itself.
func (b *Batch) editTree(base plumbing.Hash, edits []Edit) (plumbing.Hash, error) {
	root := b.roots[base]
	delete(b.roots, base)
	if root == nil || root.dirty {
		root = newRoot(b.ov, base)
	}
	h, err := applyEditsTo(b.ov, root, edits)
	if err != nil {
		return plumbing.ZeroHash, err // root may be half edited: dropped
	}
	b.roots[h] = root
	return h, nil
}

// CreateCommit writes a commit of tree with the given parents (several for
// a merge) and returns it without moving any ref.
func (b *Batch) CreateCommit(tree Hash, parents []Hash, req CommitRequest) (Hash, error) {
	if err := req.Trailers.validate(); err != nil {
		return ZeroHash, err
	}
	c := &object.Commit{
		Author:       b.signature(req.Author),
		Committer:    b.signature(req.Committer),
		Message:      FormatMessage(req.Message, req.Trailers),
		TreeHash:     tree,
		ParentHashes: parents,
	}
	if err := b.sign(c); err != nil {
		return ZeroHash, err
	}
	obj := &plumbing.MemoryObject{}
	if err := c.Encode(obj); err != nil {
		return ZeroHash, fmt.Errorf("encode commit: %w", err)
	}
	h, _ := b.ov.SetEncodedObject(obj)
	return h, nil
}

// sign sets c's signature when the store has a signer.
func (b *Batch) sign(c *object.Commit) error {
	signer := b.store.opts.Signer
	if signer == nil {
		return nil
	}
	obj := &plumbing.MemoryObject{}
	if err := c.EncodeWithoutSignature(obj); err != nil {
		return fmt.Errorf("encode commit: %w", err)
	}
	rd, _ := obj.Reader() // a memory object reads without error
	payload, _ := io.ReadAll(rd)
	sig, err := signer.Sign(payload)
	if err != nil {
		return fmt.Errorf("sign commit: %w", err)
	}
	c.PGPSignature = string(sig)
	return nil
}

func (b *Batch) signature(sig object.Signature) object.Signature {
	if sig.Name == "" {
		sig.Name, sig.Email = DefaultSignature.Name, DefaultSignature.Email
	}
	if sig.When.IsZero() {
		sig.When = b.Now()
	}
	return sig
}

// SetRef points ref at commit h, which must be in the snapshot's history
// or written by this batch. A zero h deletes the ref.
func (b *Batch) SetRef(ref string, h Hash) { b.tips[ref] = h }

// SetNote replaces the note on target. Notes are written as one commit on
// the notes ref when the batch is pushed.
func (b *Batch) SetNote(target Hash, content []byte) {
	if content == nil {
		content = []byte{}
	}
	b.setNote(target, content)
}

// AppendNote adds text at the end of the note on target, as `git notes
// append` does without its blank line: a log kept on a commit.
func (b *Batch) AppendNote(target Hash, text []byte) error {
	old, err := b.Note(target)
	if err != nil && !IsNotFound(err) {
		return err
	}
	b.SetNote(target, append(append([]byte(nil), old...), text...))
	return nil
}

// Merge commits other into ref: a commit whose parents are ref's tip and
// other, and whose tree is other's tree with req's edits (the result of
// bringing ref up to date with other and redoing a change on top). ref only
// moves forward.
func (b *Batch) Merge(ref string, other Hash, req CommitRequest) (Hash, error) {
	c, err := b.Reader.Commit(other)
	if err != nil {
		return ZeroHash, fmt.Errorf("merge into %s: %w", ref, err)
	}
	tree, err := b.editTree(c.Tree, req.Edits)
	if err != nil {
		return ZeroHash, fmt.Errorf("merge into %s: %w", ref, err)
	}
	h, err := b.CreateCommit(tree, []Hash{b.Tip(ref), other}, req)
	if err != nil {
		return ZeroHash, err
	}
	b.SetRef(ref, h)
	return h, nil
}

// RemoveNote removes the note on target, if any.
func (b *Batch) RemoveNote(target Hash) { b.setNote(target, nil) }

func (b *Batch) setNote(target Hash, content []byte) {
	if _, ok := b.notes[target]; !ok {
		b.noteKeys = append(b.noteKeys, target)
	}
	b.notes[target] = content
}

// Note returns the note on target as the batch would leave it.
func (b *Batch) Note(target Hash) ([]byte, error) {
	if c, ok := b.notes[target]; ok {
		if c == nil {
			return nil, fmt.Errorf("note for %s: %w", target, ErrNotFound)
		}
		return c, nil
	}
	return b.Reader.Note(b.Tip(b.store.opts.NotesRef), target)
}

// flushNotes turns pending note edits into one commit on the notes ref.
func (b *Batch) flushNotes() error {
	if len(b.noteKeys) == 0 {
		return nil
	}
	ref := b.store.opts.NotesRef
	baseTree, parents, err := b.parent(ref)
	if err != nil {
		return fmt.Errorf("write notes: %w", err)
	}
	tree, err := writeNotes(b.ov, baseTree, b.noteKeys, b.notes)
	if err != nil {
		return fmt.Errorf("write notes: %w", err)
	}
	msg := fmt.Sprintf("Notes added by ferry for %d object(s)", len(b.noteKeys))
	h, err := b.CreateCommit(tree, parents, CommitRequest{Message: msg})
	if err != nil {
		return fmt.Errorf("write notes: %w", err)
	}
	b.tips[ref] = h
	b.notes, b.noteKeys = map[Hash][]byte{}, nil
	return nil
}

// RefUpdate is one command of a push: move Ref from Old to New. A zero Old
// creates the ref, a zero New deletes it.
type RefUpdate struct {
	Ref      string
	Old, New Hash
}

// updates lists the refs the batch changes, sorted by name.
func (b *Batch) updates() []RefUpdate {
	var out []RefUpdate
	for ref, h := range b.tips {
		if old := b.base.Get(ref); old != h {
			out = append(out, RefUpdate{Ref: ref, Old: old, New: h})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out
}
