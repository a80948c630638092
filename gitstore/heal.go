package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
)

// Heal rebuilds the mirror from the remote: it asks the remote for its
// refs, then, under the store's lock, moves the mirror aside, creates an
// empty one in its place, forgets every cached object and fetches the
// refs ferry uses with all their history. The mirror holds nothing the
// remote does not have, so nothing is lost. While the remote cannot be
// reached the mirror is left as it is and the error is transient. [Store.Fetch]
// and [Store.Update] heal by themselves; callers that read a [Store] call
// Heal when a read fails with an error [IsCorrupt] recognises.
func (s *Store) Heal(ctx context.Context) (FetchResult, error) {
	res, err := s.fetchOnce(ctx, true)
	if err != nil {
		return res, fmt.Errorf("heal mirror: %w", err)
	}
	return res, nil
}

// rebuild replaces the mirror with an empty one. The caller holds s.mu.
func (s *Store) rebuild() error {
	_ = s.st.Close()
	dir := s.mirrorDir()
	if err := os.RemoveAll(dir + asideSuffix); err != nil {
		return fmt.Errorf("rebuild mirror: %w", err)
	}
	if err := os.Rename(dir, dir+asideSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rebuild mirror: %w", err)
	}
	if err := s.initMirror(dir); err != nil {
		return err
	}
	s.loose, s.rebuilt, s.verified = 0, true, nil
	// What is left behind is garbage; Open removes it should this fail.
	_ = os.RemoveAll(dir + asideSuffix)
	return nil
}

// maxVerified bounds the tips a Store remembers as read; it starts over
// when full.
const maxVerified = 10000

// asideSuffix names the directory a damaged mirror is moved to while it is
// replaced.
const asideSuffix = ".damaged"

// checkTips reads the objects the mirror's refs point at, so that a fetch
// finds a damaged or missing tip before a reader does, and reports the
// damage readers have met since the mirror was last built. The caller
// holds s.mu.
func (s *Store) checkTips(local Snapshot) error {
	if err := s.objs.damaged; err != nil {
		return err
	}
	if s.verified == nil || len(s.verified) > maxVerified {
		s.verified = map[Hash]bool{}
	}
	for name, h := range local.Refs {
		if s.verified[h] {
			continue
		}
		obj, err := s.st.EncodedObject(plumbing.AnyObject, h)
		if err == nil {
			_, err = materialize(obj)
		}
		if err != nil {
			return fmt.Errorf("read %s at %s: %w", name, short(h), mustHave(err))
		}
		s.verified[h] = true
	}
	return nil
}

// mirrorErr classifies an error of reading the mirror's storage. An object
// that is not there is not found; an object or ref that is there but cannot
// be read (a zlib or flate error, a truncated or unindexed pack, a malformed
// index) is corrupt. Trouble of the host rather than of the files is
// neither: rebuilding the mirror would not help.
func mirrorErr(err error) error {
	switch {
	case err == nil, errors.Is(err, plumbing.ErrObjectNotFound), IsCorrupt(err), hostTrouble(err):
		return err
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}

// mustHave classifies an error of reading an object the mirror must have:
// one that a ref, a commit or a tree of the mirror refers to. Such an
// object missing is corruption too.
func mustHave(err error) error {
	if errors.Is(err, plumbing.ErrObjectNotFound) && !IsCorrupt(err) {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return mirrorErr(err)
}

// hostTrouble reports an error of the host rather than of the mirror's
// files: a permission, or no file descriptors, memory or disk space left.
func hostTrouble(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EMFILE) ||
		errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOMEM) ||
		errors.Is(err, syscall.ENOSPC)
}
