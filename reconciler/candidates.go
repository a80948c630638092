package reconciler

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// enqueueCandidates queues the candidates of the main commits since the
// last pass. Without a last main commit (the first pass), main's tip is a
// candidate for every service.
func (p *pass) enqueueCandidates(context.Context) error {
	last := p.st.State.LastMain
	if last == p.in.mainTip.String() {
		return nil
	}
	commits, err := p.newMainCommits(last)
	if err != nil {
		return err
	}
	for _, c := range commits {
		proj, perr := p.projects.At(c.Hash)
		if perr != nil {
			p.record(nil, nil, "main %s is invalid; no candidates from it: %v", short(c.Hash.String()), firstLine(perr))
			continue
		}
		services := slices.Sorted(maps.Keys(proj.Services))
		if last != "" {
			changed, err := p.store.ChangedPaths(c.FirstParent(), c.Hash)
			if err != nil {
				return fmt.Errorf("compare %s with its parent: %w", short(c.Hash.String()), err)
			}
			services = proj.Candidates(changed)
		}
		for _, svc := range services {
			p.enqueueCandidate(proj, c.Hash.String(), svc)
		}
	}
	p.st.State.LastMain = p.in.mainTip.String()
	return nil
}

// newMainCommits lists the first-parent commits of main after last, oldest
// first; without last, main's tip alone.
func (p *pass) newMainCommits(last string) ([]*gitstore.Commit, error) {
	opts := gitstore.LogOptions{FirstParent: true, Limit: maxNewCandidates, Until: gitstore.NewHash(last)}
	if last == "" {
		opts.Limit = 1
	}
	var out []*gitstore.Commit
	err := p.store.Log(p.in.mainTip, opts, func(c *gitstore.Commit) error {
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read main's history: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}

// enqueueCandidate starts a candidate in the first stage's first sequence
// that no trigger starts.
func (p *pass) enqueueCandidate(proj *stages.Project, candidate, svc string) {
	stage, seq := proj.Shipyard.Entry()
	if seq == "" {
		p.record(nil, nil, "stage %s has no sequence without triggers; %s is not delivered", stage, svc)
		return
	}
	if s := proj.Services[svc]; p.rebuilt && s != nil && p.deployedBefore(stage, svc, candidate, s.Pin.Summary()) {
		p.record(nil, nil, "%s %s is already deployed in %s: not queued again", svc, short(candidate), stage)
		return
	}
	p.enqueue(stage, svc, &status.Run{Candidate: candidate, Sequence: seq}, proj, false)
	p.progress(candidate, fmt.Sprintf("%s: queued %s for %s", stage, seq, svc))
}

// enqueue adds a run to a slot's queue; first puts it ahead of the waiting
// runs (a rollback). With concurrency "latest", a newer candidate replaces
// the runs of the same sequence still waiting, which are recorded as
// superseded. A run for a slot whose file is corrupt is deferred until the
// file reads again.
func (p *pass) enqueue(stage, svc string, run *status.Run, proj *stages.Project, first bool) {
	run.ID = p.st.NewRunID()
	run.Phase, run.Since = status.PhaseQueued, p.in.now
	if s := proj.Services[svc]; s != nil {
		run.Pin = s.Pin.Summary()
	}
	at := status.Append
	switch {
	case first:
		at = status.First
	case proj.Config.Concurrency(stage) == stages.ConcurrencyLatest:
		at = status.Latest
	}
	superseded, deferred := p.st.Enqueue(stage, svc, run, at)
	if deferred != nil {
		p.progress(run.Candidate, fmt.Sprintf("%s: %s for %s deferred: %v", stage, run.Sequence, svc, deferred))
	}
	for _, q := range superseded {
		p.progress(q.Candidate, fmt.Sprintf("%s: %s superseded by %s", stage, q.Sequence, short(run.Candidate)))
	}
}
