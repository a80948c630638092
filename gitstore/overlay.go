package gitstore

import (
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// overlay is an object store that keeps new objects in memory on top of the
// mirror. Objects written by a batch live here until a push succeeds; they
// are then packed once and written to the remote and to the mirror.
type overlay struct {
	storer.EncodedObjectStorer
	objs  map[plumbing.Hash]plumbing.EncodedObject
	order []plumbing.Hash
}

var _ storer.EncodedObjectStorer = (*overlay)(nil)

func newOverlay(base storer.EncodedObjectStorer) *overlay {
	return &overlay{EncodedObjectStorer: base, objs: map[plumbing.Hash]plumbing.EncodedObject{}}
}

func (o *overlay) NewEncodedObject() plumbing.EncodedObject { return &plumbing.MemoryObject{} }

func (o *overlay) SetEncodedObject(obj plumbing.EncodedObject) (plumbing.Hash, error) {
	h := obj.Hash()
	if _, ok := o.objs[h]; !ok {
		o.objs[h] = obj
		o.order = append(o.order, h)
	}
	return h, nil
}

func (o *overlay) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	if obj, ok := o.objs[h]; ok {
		if t != plumbing.AnyObject && obj.Type() != t {
			return nil, plumbing.ErrObjectNotFound
		}
		return obj, nil
	}
	return o.EncodedObjectStorer.EncodedObject(t, h)
}

func (o *overlay) HasEncodedObject(h plumbing.Hash) error {
	if _, ok := o.objs[h]; ok {
		return nil
	}
	return o.EncodedObjectStorer.HasEncodedObject(h)
}

func (o *overlay) EncodedObjectSize(h plumbing.Hash) (int64, error) {
	if obj, ok := o.objs[h]; ok {
		return obj.Size(), nil
	}
	return o.EncodedObjectStorer.EncodedObjectSize(h)
}

func (o *overlay) treeEntries(h plumbing.Hash) ([]object.TreeEntry, error) {
	if _, ok := o.objs[h]; ok {
		return decodeTree(o, h)
	}
	return treeEntries(o.EncodedObjectStorer, h)
}

func (o *overlay) commitTree(h plumbing.Hash) (plumbing.Hash, error) {
	if _, ok := o.objs[h]; ok {
		return decodeCommitTree(o, h)
	}
	if ct, ok := o.EncodedObjectStorer.(commitTreeSource); ok {
		return ct.commitTree(h)
	}
	return decodeCommitTree(o.EncodedObjectStorer, h)
}

// put stores raw object content of type t and returns its hash.
func (o *overlay) put(t plumbing.ObjectType, data []byte) plumbing.Hash {
	obj := &plumbing.MemoryObject{}
	obj.SetType(t)
	obj.SetSize(int64(len(data)))
	_, _ = obj.Write(data) // a MemoryObject never fails to write
	h, _ := o.SetEncodedObject(obj)
	return h
}

// fresh returns the objects written to the overlay, oldest first.
func (o *overlay) fresh() []plumbing.Hash { return o.order }
