package fleet

import (
	"context"
	"fmt"
	"strings"

	"github.com/ferrycd/ferry/status"
)

// Signal records what a GitOps agent's object says of a stage branch — the
// branch of repository url it syncs, the commit it applied, healthy or
// not — for every project whose repository that is and whose stage
// branches the branch belongs to, as the /hooks/flux and /hooks/argocd
// endpoints do; a repeated signal writes nothing. It reports how many
// projects took it.
func (f *Fleet) Signal(ctx context.Context, url, branch string, rep status.Report) (int, error) {
	f.mu.Lock()
	var ms []*member
	for _, m := range f.members {
		if m.project.Spec.Suspend || !sameRepository(m.project.Spec.Repository.URL, url) {
			continue
		}
		if _, ok := strings.CutPrefix(strings.TrimPrefix(branch, "refs/heads/"), m.project.Spec.StagePrefix); ok {
			ms = append(ms, m)
		}
	}
	f.mu.Unlock()
	for _, m := range ms {
		r := rep
		r.Stage = strings.TrimPrefix(strings.TrimPrefix(branch, "refs/heads/"), m.project.Spec.StagePrefix)
		if err := r.Validate(); err != nil {
			return 0, fmt.Errorf("signal for %s: %w", m.key, err)
		}
		if err := m.loop.RecordAll(ctx, []*status.Report{&r}); err != nil {
			return 0, fmt.Errorf("record a signal for %s: %w", m.key, err)
		}
		m.loop.Trigger()
	}
	return len(ms), nil
}

// sameRepository compares repository URLs as agents and people write them:
// with or without a trailing slash or .git, the host in any case.
func sameRepository(a, b string) bool {
	norm := func(u string) string {
		u = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(u), "/"), ".git")
		if scheme, rest, ok := strings.Cut(u, "://"); ok {
			host, p, _ := strings.Cut(rest, "/")
			return strings.ToLower(scheme) + "://" + strings.ToLower(host) + "/" + p
		}
		return u
	}
	return norm(a) == norm(b)
}
