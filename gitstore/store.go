package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Hash is a Git object name.
type Hash = plumbing.Hash

// ZeroHash is the hash of nothing: a ref that does not exist.
var ZeroHash = plumbing.ZeroHash

// objectCacheSize bounds the mirror's decoded-object cache.
const objectCacheSize = 64 * cache.MiByte

// Store is ferry's Git storage: a bare mirror of the remote on disk plus
// the means to read it, build new objects and push them. A Store is safe
// for use by several goroutines; fetches and pushes are serialised.
type Store struct {
	Reader

	opts Options
	ep   *transport.Endpoint
	auth AuthOptions
	sc   scrubber

	mu     sync.Mutex // guards the mirror's storage
	st     *filesystem.Storage
	repo   *git.Repository
	objs   *syncStorer
	lockFD *os.File
	loose  int // loose objects written since the last repack (an estimate)
	// rebuilt reports that the mirror was rebuilt and no fetch has filled
	// it since; the fetch that does says so.
	rebuilt bool
	// verified are the ref tips checkTips read whole since the mirror was
	// built: a tip is read once, not on every fetch.
	verified map[Hash]bool
}

// Open opens the mirror in opts.Dir, creating it if needed, and takes an
// exclusive lock on the directory so that two processes never share it.
func Open(opts Options) (*Store, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("invalid options: %w", err)
	}
	ep, auth, err := endpoint(opts.URL, opts.Auth)
	if err != nil {
		return nil, err
	}
	s := &Store{opts: opts, ep: ep, auth: auth}
	s.sc.add(auth.Password)
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}
	if s.lockFD, err = lockDir(opts.Dir); err != nil {
		return nil, err
	}
	if err := s.openMirror(); err != nil {
		s.unlock()
		return nil, err
	}
	return s, nil
}

// mirrorDir is where the bare mirror lives.
func (s *Store) mirrorDir() string { return filepath.Join(s.opts.Dir, "mirror.git") }

// openMirror opens the mirror, creating it if needed. A mirror whose
// repository cannot be opened is replaced by an empty one, which the next
// fetch fills.
func (s *Store) openMirror() error {
	s.objs = &syncStorer{mu: &s.mu}
	s.Reader = Reader{src: s.objs}
	dir := s.mirrorDir()
	// A heal that was cut short leaves the damaged mirror beside the new one.
	if err := os.RemoveAll(dir + asideSuffix); err != nil {
		return fmt.Errorf("remove damaged mirror: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
		return s.initMirror(dir)
	}
	st := newStorage(osfs.New(dir))
	repo, err := git.Open(st, nil)
	if err := mirrorErr(err); IsCorrupt(err) {
		s.st = st
		return s.rebuild()
	}
	if err != nil {
		return fmt.Errorf("open mirror %s: %w", dir, err)
	}
	s.setStorage(st, repo)
	return nil
}

// initMirror creates an empty bare mirror in dir and reads through it.
func (s *Store) initMirror(dir string) error {
	st := newStorage(osfs.New(dir))
	repo, err := git.Init(st, nil)
	if err == nil {
		head := plumbing.NewSymbolicReference(plumbing.HEAD, plumbing.NewBranchReferenceName(s.opts.Branch))
		err = st.SetReference(head)
	}
	if err != nil {
		return fmt.Errorf("create mirror %s: %w", dir, err)
	}
	s.setStorage(st, repo)
	return nil
}

// setStorage makes the store read and write through st, forgetting the
// objects it decoded from the storage before. The caller holds s.mu or is
// the only user of s.
func (s *Store) setStorage(st *filesystem.Storage, repo *git.Repository) {
	s.st, s.repo = st, repo
	s.objs.st, s.objs.damaged = st, nil
	s.objs.trees = map[plumbing.Hash][]object.TreeEntry{}
	s.objs.commits = map[plumbing.Hash]plumbing.Hash{}
}

// newStorage opens the mirror's object and ref storage. ferry is the only
// writer of the mirror (the state directory is locked), so go-git may cache
// the list of packs; every access holds Store.mu, so pack files may stay
// open between reads.
func newStorage(fs billy.Filesystem) *filesystem.Storage {
	return filesystem.NewStorageWithOptions(fs, cache.NewObjectLRU(objectCacheSize),
		filesystem.Options{ExclusiveAccess: true, KeepDescriptors: true})
}

// reopen replaces the mirror's storage with a fresh one. The caller holds s.mu.
func (s *Store) reopen() error {
	_ = s.st.Close()
	st := newStorage(s.st.Filesystem())
	repo, err := git.Open(st, nil)
	if err != nil {
		return fmt.Errorf("reopen mirror: %w", err)
	}
	s.st, s.repo, s.objs.st = st, repo, st
	return nil
}

func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, ErrLocked)
	}
	return f, nil
}

func (s *Store) unlock() {
	if s.lockFD != nil {
		_ = s.lockFD.Close() // closing releases the flock
		s.lockFD = nil
	}
}

// Close releases the state directory.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.st.Close()
	s.unlock()
	return err
}

// URL returns the remote's URL without credentials.
func (s *Store) URL() string { return Redact(s.opts.URL) }

// Options returns the options the store was opened with, defaults filled
// and secret values removed.
func (s *Store) Options() Options {
	o := s.opts
	o.Auth.Password = ""
	o.URL = Redact(o.URL)
	return o
}

// BranchRef returns the full name of a branch, e.g. "refs/heads/stage/dev".
func BranchRef(branch string) string { return "refs/heads/" + branch }

// MainRef is the full name of the input branch.
func (s *Store) MainRef() string { return BranchRef(s.opts.Branch) }

// StageRef is the full name of a stage's branch.
func (s *Store) StageRef(stage string) string { return BranchRef(s.opts.StagePrefix + stage) }

// FerryRef is the full name of one of ferry's own branches, e.g. "status".
func (s *Store) FerryRef(name string) string { return BranchRef(s.opts.FerryPrefix + name) }

// NotesRef is the full name of the notes ref.
func (s *Store) NotesRef() string { return s.opts.NotesRef }

// tracked reports whether ferry fetches and pushes ref.
func (s *Store) tracked(ref string) bool {
	return ref == s.MainRef() || ref == s.opts.NotesRef ||
		strings.HasPrefix(ref, BranchRef(s.opts.StagePrefix)) ||
		strings.HasPrefix(ref, BranchRef(s.opts.FerryPrefix))
}

// Snapshot returns the mirror's refs as of the last fetch or push.
func (s *Store) Snapshot() (Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.localRefs()
}

func (s *Store) localRefs() (Snapshot, error) {
	iter, err := s.st.IterReferences()
	if err != nil {
		return Snapshot{}, fmt.Errorf("list refs: %w", mirrorErr(err))
	}
	refs := map[string]Hash{}
	err = iter.ForEach(func(r *plumbing.Reference) error {
		if r.Type() == plumbing.HashReference && s.tracked(r.Name().String()) {
			refs[r.Name().String()] = r.Hash()
		}
		return nil
	})
	if err != nil {
		return Snapshot{}, fmt.Errorf("list refs: %w", mirrorErr(err))
	}
	return Snapshot{Refs: refs}, nil
}

// Snapshot is the set of refs ferry works from in one pass, by full name.
// A pass resolves it once and never re-reads a ref halfway through.
type Snapshot struct {
	Refs map[string]Hash
}

// Get returns the commit a ref points to, or [ZeroHash] when it does not exist.
func (s Snapshot) Get(ref string) Hash { return s.Refs[ref] }

// Equal reports whether both snapshots hold the same refs at the same commits.
func (s Snapshot) Equal(o Snapshot) bool {
	if len(s.Refs) != len(o.Refs) {
		return false
	}
	for k, v := range s.Refs {
		if o.Refs[k] != v {
			return false
		}
	}
	return true
}

// Names returns the refs under prefix, e.g. "refs/heads/stage/".
func (s Snapshot) Names(prefix string) []string {
	var out []string
	for k := range s.Refs {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}

// syncStorer serialises access to the mirror's object storage and returns
// objects fully read, so that no lazy reader outlives the lock.
type syncStorer struct {
	mu    *sync.Mutex
	st    *filesystem.Storage
	trees map[plumbing.Hash][]object.TreeEntry // decoded trees; guarded by mu
	// commits maps commits to their trees; guarded by mu.
	commits map[plumbing.Hash]plumbing.Hash
	// damaged is the first corruption a read met since the storage was
	// opened, even if its caller ignored the error; guarded by mu.
	damaged error
}

func (s *syncStorer) commitTree(h plumbing.Hash) (plumbing.Hash, error) {
	s.mu.Lock()
	t, ok := s.commits[h]
	s.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := decodeCommitTree(s, h)
	if err != nil {
		return t, err
	}
	s.mu.Lock()
	if len(s.commits) >= treeCacheSize {
		s.commits = map[plumbing.Hash]plumbing.Hash{}
	}
	s.commits[h] = t
	s.mu.Unlock()
	return t, nil
}

// treeCacheSize bounds the decoded trees a store keeps; the cache starts
// over when full, which is cheap and keeps the hot trees of a pass.
const treeCacheSize = 8192

func (s *syncStorer) treeEntries(h plumbing.Hash) ([]object.TreeEntry, error) {
	s.mu.Lock()
	e, ok := s.trees[h]
	s.mu.Unlock()
	if ok {
		return e, nil
	}
	e, err := decodeTree(s, h)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.trees) >= treeCacheSize {
		s.trees = map[plumbing.Hash][]object.TreeEntry{}
	}
	s.trees[h] = e
	s.mu.Unlock()
	return e, nil
}

var _ storer.EncodedObjectStorer = (*syncStorer)(nil)

func (s *syncStorer) NewEncodedObject() plumbing.EncodedObject { return &plumbing.MemoryObject{} }

func (s *syncStorer) SetEncodedObject(obj plumbing.EncodedObject) (plumbing.Hash, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.SetEncodedObject(obj)
}

func (s *syncStorer) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	obj, err := s.st.EncodedObject(t, h)
	if err == nil {
		if mo, ok := obj.(*plumbing.MemoryObject); ok {
			return mo, nil
		}
		obj, err = materialize(obj)
	}
	if err != nil {
		return nil, s.failed(t, h, err)
	}
	return obj, nil
}

// failed classifies an error of reading object h of type t and remembers
// corruption. Trees and blobs are only read by following a commit or a
// tree the mirror has, and the mirror has everything those reach: one
// that is missing is corruption. (One that is there with another type is
// the remote's mistake, which a rebuild would not mend.) The caller holds
// s.mu.
func (s *syncStorer) failed(t plumbing.ObjectType, h plumbing.Hash, err error) error {
	if (t == plumbing.TreeObject || t == plumbing.BlobObject) && s.st.HasEncodedObject(h) != nil {
		err = mustHave(err)
	} else {
		err = mirrorErr(err)
	}
	if IsCorrupt(err) && s.damaged == nil {
		s.damaged = fmt.Errorf("read object %s: %w", h, err)
	}
	return err
}

// damage returns the first corruption a read met since the mirror was
// last built, or nil.
func (s *syncStorer) damage() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.damaged
}

func materialize(obj plumbing.EncodedObject) (plumbing.EncodedObject, error) {
	r, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.Close() }()
	mo := &plumbing.MemoryObject{}
	mo.SetType(obj.Type())
	mo.SetSize(obj.Size())
	if _, err := io.Copy(mo, r); err != nil {
		return nil, err
	}
	return mo, nil
}

func (s *syncStorer) IterEncodedObjects(t plumbing.ObjectType) (storer.EncodedObjectIter, error) {
	return nil, errors.New("iterating the mirror's objects is not supported")
}

func (s *syncStorer) HasEncodedObject(h plumbing.Hash) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.st.HasEncodedObject(h); err != nil {
		return s.failed(plumbing.AnyObject, h, err)
	}
	return nil
}

func (s *syncStorer) EncodedObjectSize(h plumbing.Hash) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.st.EncodedObjectSize(h)
	if err != nil {
		return 0, s.failed(plumbing.AnyObject, h, err)
	}
	return n, nil
}

func (s *syncStorer) AddAlternate(string) error {
	return errors.New("alternates are not supported")
}

// ctx returns a context bounded by the store's timeout.
func (s *Store) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, s.opts.Timeout)
}

// NewHash parses a hexadecimal object name.
func NewHash(s string) Hash { return plumbing.NewHash(s) }
