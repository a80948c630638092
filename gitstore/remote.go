package gitstore

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// FetchResult says what a fetch did.
type FetchResult struct {
	// Snapshot holds the refs ferry uses, as the remote has them now.
	Snapshot Snapshot
	// Moved lists the refs that were created, moved or deleted.
	Moved []string
	// Transferred reports whether objects were downloaded.
	Transferred bool
	// Healed reports that the mirror was found corrupt and rebuilt from the
	// remote (see [Store.Heal]): every object was downloaded again.
	Healed bool
}

// Fetch brings the mirror up to date with the remote for the refs ferry
// uses. It asks the remote for its refs first and transfers objects only
// when one of them moved to a commit the mirror does not have. Refs deleted
// on the remote are deleted from the mirror. A fetch that finds the mirror
// corrupt, because a tip does not read or because a read since the last
// rebuild met corruption, heals it ([Store.Heal]) and says so in Healed.
func (s *Store) Fetch(ctx context.Context) (FetchResult, error) {
	res, err := s.fetchOnce(ctx, false)
	if !IsCorrupt(err) {
		return res, err
	}
	res, herr := s.Heal(ctx)
	if herr != nil {
		return res, fmt.Errorf("%w; %w", err, herr)
	}
	return res, nil
}

// fetchOnce fetches, first rebuilding the mirror when rebuild is set.
func (s *Store) fetchOnce(ctx context.Context, rebuild bool) (FetchResult, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	res, err := s.fetch(ctx, rebuild)
	if err != nil {
		return res, s.sc.wrap(fmt.Errorf("fetch %s: %w", s.URL(), err))
	}
	return res, nil
}

func (s *Store) fetch(ctx context.Context, rebuild bool) (FetchResult, error) {
	sess, err := s.uploadSession()
	if err != nil {
		return FetchResult{}, err
	}
	defer func() { _ = sess.Close() }()
	remote, caps, err := s.advertised(ctx, sess)
	if err != nil {
		return FetchResult{}, err
	}
	// Readers wait while objects arrive: the mirror is read between
	// passes, and a pass starts with the fetch.
	s.mu.Lock()
	defer s.mu.Unlock()
	if rebuild {
		if err := s.rebuild(); err != nil {
			return FetchResult{}, err
		}
	}
	local, err := s.localRefs()
	if err != nil {
		return FetchResult{}, err
	}
	if err := s.checkTips(local); err != nil {
		return FetchResult{}, err
	}
	res := FetchResult{Snapshot: remote, Moved: movedRefs(local, remote), Healed: s.rebuilt}
	if len(res.Moved) == 0 {
		s.rebuilt = false
		return res, nil
	}
	wants := s.missing(remote)
	if len(wants) > 0 {
		if err := s.download(ctx, sess, caps, wants, local); err != nil {
			return FetchResult{}, err
		}
		res.Transferred = true
	}
	if err := s.setLocalRefs(local, remote); err != nil {
		return FetchResult{}, err
	}
	s.rebuilt = false
	return res, s.maybeRepack()
}

func (s *Store) uploadSession() (transport.UploadPackSession, error) {
	cl, auth, err := s.transport()
	if err != nil {
		return nil, err
	}
	sess, err := cl.NewUploadPackSession(s.ep, auth)
	if err != nil {
		return nil, classify(err)
	}
	return sess, nil
}

func (s *Store) transport() (transport.Transport, transport.AuthMethod, error) {
	auth, err := s.auth.method(s.ep, &s.sc)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrAuth, err)
	}
	cl, err := client.NewClient(s.ep)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrAuth, err)
	}
	return cl, auth, nil
}

// refAdvertiser is what upload-pack and receive-pack sessions share.
type refAdvertiser interface {
	AdvertisedReferencesContext(context.Context) (*packp.AdvRefs, error)
}

// advertised returns the remote's refs that ferry tracks, and its capabilities.
func (s *Store) advertised(ctx context.Context, sess refAdvertiser) (Snapshot, *capability.List, error) {
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return Snapshot{Refs: map[string]Hash{}}, capability.NewList(), nil
	}
	if err != nil {
		return Snapshot{}, nil, classify(err)
	}
	refs := map[string]Hash{}
	for name, h := range ar.References {
		if s.tracked(name) {
			refs[name] = h
		}
	}
	return Snapshot{Refs: refs}, ar.Capabilities, nil
}

func movedRefs(local, remote Snapshot) []string {
	var moved []string
	for name, h := range remote.Refs {
		if local.Refs[name] != h {
			moved = append(moved, name)
		}
	}
	for name := range local.Refs {
		if _, ok := remote.Refs[name]; !ok {
			moved = append(moved, name)
		}
	}
	return moved
}

// missing returns the remote tips whose commits the mirror lacks.
func (s *Store) missing(remote Snapshot) []Hash {
	seen := map[Hash]bool{}
	var wants []Hash
	for _, h := range remote.Refs {
		if seen[h] {
			continue
		}
		seen[h] = true
		if s.st.HasEncodedObject(h) != nil {
			wants = append(wants, h)
		}
	}
	return wants
}

func (s *Store) download(ctx context.Context, sess transport.UploadPackSession, caps *capability.List, wants []Hash, local Snapshot) error {
	req := packp.NewUploadPackRequestFromCapabilities(caps)
	if caps.Supports(capability.NoProgress) {
		if err := req.Capabilities.Set(capability.NoProgress); err != nil {
			return err
		}
	}
	req.Wants = wants
	seen := map[Hash]bool{}
	for _, h := range local.Refs {
		if !seen[h] {
			seen[h] = true
			req.Haves = append(req.Haves, h)
		}
	}
	resp, err := sess.UploadPack(ctx, req)
	if err != nil {
		return classify(err)
	}
	defer func() { _ = resp.Close() }()
	var r io.Reader = resp
	switch {
	case req.Capabilities.Supports(capability.Sideband64k):
		r = sideband.NewDemuxer(sideband.Sideband64k, resp)
	case req.Capabilities.Supports(capability.Sideband):
		r = sideband.NewDemuxer(sideband.Sideband, resp)
	}
	if err := s.storePack(r); err != nil {
		return classify(fmt.Errorf("write pack: %w", err))
	}
	return nil
}

// unpackLimit is the object count below which received objects are stored
// loose rather than as a new pack (git's transfer.unpackLimit).
const unpackLimit = 100

// maxLoose is how many loose objects the mirror may hold before they are
// packed (git's gc.auto).
const maxLoose = 6700

// storePack stores a received pack: small ones as loose objects, so that a
// long-running ferry does not pile up a pack per fetch.
func (s *Store) storePack(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(12)
	if err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(head[8:12])
	if n > unpackLimit {
		return packfile.WritePackfileToObjectStorage(s.st, br)
	}
	s.loose += int(n)
	p, err := packfile.NewParserWithStorage(packfile.NewScanner(br), looseOnly{s.st})
	if err != nil {
		return err
	}
	_, err = p.Parse()
	return err
}

// looseOnly hides the storage's pack writer, so objects are stored loose.
// The parser reads back from it the objects it stored and the bases of a
// thin pack's deltas, which the mirror must have: failing to read one is
// corruption, not a fault of the network.
type looseOnly struct{ storer.EncodedObjectStorer }

func (l looseOnly) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	obj, err := l.EncodedObjectStorer.EncodedObject(t, h)
	if err == nil {
		obj, err = materialize(obj)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", h, mustHave(err))
	}
	return obj, nil
}

// setLocalRefs makes the mirror's tracked refs equal to remote.
func (s *Store) setLocalRefs(local, remote Snapshot) error {
	for name, h := range remote.Refs {
		if local.Refs[name] == h {
			continue
		}
		if err := s.st.SetReference(plumbing.NewHashReference(plumbing.ReferenceName(name), h)); err != nil {
			return fmt.Errorf("update %s: %w", name, err)
		}
	}
	for name := range local.Refs {
		if _, ok := remote.Refs[name]; ok {
			continue
		}
		if err := s.st.RemoveReference(plumbing.ReferenceName(name)); err != nil {
			return fmt.Errorf("prune %s: %w", name, err)
		}
	}
	return nil
}

// maybeRepack consolidates the mirror's packs once there are too many.
func (s *Store) maybeRepack() error {
	packs, err := s.st.ObjectPacks()
	if err != nil || len(packs) <= s.opts.MaxPacks && s.loose <= maxLoose {
		return err
	}
	// go-git's repack reads through caches that a fetch in the same
	// storage may have left stale; repack through a fresh storage, then
	// reopen the mirror so that it sees only the new pack.
	fresh := filesystem.NewStorage(s.st.Filesystem(), cache.NewObjectLRUDefault())
	repo, err := git.Open(fresh, nil)
	if err == nil {
		err = repo.RepackObjects(&git.RepackConfig{})
	}
	if err != nil {
		return fmt.Errorf("repack mirror: %w", mirrorErr(err))
	}
	_ = fresh.Close()
	s.loose = 0
	return s.reopen()
}

// classify maps a transport error to one of the package's kinds.
func classify(err error) error {
	if err == nil {
		return nil
	}
	for _, k := range []error{ErrAuth, ErrNetwork, ErrStale, ErrRejected, ErrCorrupt} {
		if errors.Is(err, k) {
			return err
		}
	}
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired),
		errors.Is(err, transport.ErrAuthorizationFailed),
		errors.Is(err, transport.ErrInvalidAuthMethod),
		errors.Is(err, transport.ErrRepositoryNotFound):
		return fmt.Errorf("%w: %w", ErrAuth, err)
	case isSSHAuthFailure(err):
		return fmt.Errorf("%w: %w", ErrAuth, err)
	}
	// Anything else (refused connections, timeouts, broken streams, server
	// errors) may pass: retry with backoff.
	return fmt.Errorf("%w: %w", ErrNetwork, err)
}

func isSSHAuthFailure(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "ssh: unable to authenticate") ||
		strings.Contains(msg, "knownhosts:") ||
		strings.Contains(msg, "ssh: handshake failed: ssh: host key mismatch")
}
