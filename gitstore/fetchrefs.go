package gitstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// fetchedPrefix is where the mirror keeps the refs of [Store.FetchRefs].
const fetchedPrefix = "refs/ferry-fetched/"

// FetchRefs fetches refs that ferry does not track, such as a pull
// request's head (refs/pull/7/head on GitHub and Gitea,
// refs/merge-requests/7/head on GitLab), and returns the commit each
// points to, by the remote's name; a name the remote does not advertise is
// left out. The mirror keeps them below refs/ferry-fetched/, so their
// commits stay readable and a later call sends only what is new, until the
// next call, which replaces the set. No [Snapshot] holds them: a pass never
// sees them, and they do not make it run.
func (s *Store) FetchRefs(ctx context.Context, names ...string) (map[string]Hash, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	got, err := s.fetchRefs(ctx, names)
	if err != nil {
		return nil, s.sc.wrap(fmt.Errorf("fetch %s: %w", s.URL(), err))
	}
	return got, nil
}

func (s *Store) fetchRefs(ctx context.Context, names []string) (map[string]Hash, error) {
	sess, err := s.uploadSession()
	if err != nil {
		return nil, err
	}
	defer func() { _ = sess.Close() }()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return map[string]Hash{}, nil
	}
	if err != nil {
		return nil, classify(err)
	}
	got := map[string]Hash{}
	for _, name := range names {
		if h, ok := ar.References[name]; ok && !s.tracked(name) {
			got[name] = h
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	local, err := s.localRefs()
	if err != nil {
		return nil, err
	}
	if wants := s.missing(Snapshot{Refs: got}); len(wants) > 0 {
		if err := s.download(ctx, sess, ar.Capabilities, wants, local); err != nil {
			return nil, err
		}
	}
	keep := map[plumbing.ReferenceName]bool{}
	for name, h := range got {
		local := plumbing.ReferenceName(fetchedPrefix + strings.TrimPrefix(name, "refs/"))
		keep[local] = true
		if err := s.st.SetReference(plumbing.NewHashReference(local, h)); err != nil {
			return nil, fmt.Errorf("update %s: %w", local, err)
		}
	}
	if err := s.pruneFetched(keep); err != nil {
		return nil, err
	}
	return got, s.maybeRepack()
}

// pruneFetched removes the fetched refs not in keep.
func (s *Store) pruneFetched(keep map[plumbing.ReferenceName]bool) error {
	iter, err := s.st.IterReferences()
	if err != nil {
		return fmt.Errorf("list refs: %w", mirrorErr(err))
	}
	var stale []plumbing.ReferenceName
	_ = iter.ForEach(func(r *plumbing.Reference) error {
		if strings.HasPrefix(r.Name().String(), fetchedPrefix) && !keep[r.Name()] {
			stale = append(stale, r.Name())
		}
		return nil
	})
	for _, name := range stale {
		if err := s.st.RemoveReference(name); err != nil {
			return fmt.Errorf("prune %s: %w", name, err)
		}
	}
	return nil
}
