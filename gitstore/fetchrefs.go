package gitstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// FetchRefs fetches refs that ferry does not track, such as a pull
// request's head (refs/pull/7/head on GitHub and Gitea,
// refs/merge-requests/7/head on GitLab), and returns the commit each
// points to; a name the remote does not advertise is left out. The refs are
// kept in the mirror under their own names, so their commits stay readable
// and a later fetch sends only what is new, but no [Snapshot] holds them: a
// pass never sees them, and they do not make it run.
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
	for name, h := range got {
		if err := s.st.SetReference(plumbing.NewHashReference(plumbing.ReferenceName(name), h)); err != nil {
			return nil, fmt.Errorf("update %s: %w", name, err)
		}
	}
	return got, s.maybeRepack()
}
