package reconciler

import (
	"context"
	"fmt"
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
		services := sortedKeys(proj.Services)
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
	first := proj.Shipyard.Spec.Stages[0]
	for _, q := range first.Sequences {
		if len(q.TriggeredOn) == 0 {
			p.enqueue(first.Name, svc, &status.Run{Candidate: candidate, Sequence: q.Name}, proj, false)
			p.progress(candidate, fmt.Sprintf("%s: queued %s for %s", first.Name, q.Name, svc))
			return
		}
	}
	p.record(nil, nil, "stage %s has no sequence without triggers; %s is not delivered", first.Name, svc)
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
	slot := p.st.Slot(stage, svc)
	if slot == nil {
		if p.st.State.Deferred == nil {
			p.st.State.Deferred = map[string][]*status.Run{}
		}
		key := status.SlotKey(stage, svc)
		p.st.State.Deferred[key] = append(p.st.State.Deferred[key], run)
		p.progress(run.Candidate, fmt.Sprintf("%s: %s for %s deferred: %s", stage, run.Sequence, svc, p.st.CorruptSlot(stage, svc).Error()))
		return
	}
	if first {
		slot.Queue = append([]*status.Run{run}, slot.Queue...)
		return
	}
	if proj.Config.Concurrency(stage) == stages.ConcurrencyLatest {
		kept := slot.Queue[:0]
		for _, q := range slot.Queue {
			if q.Sequence == run.Sequence {
				slot.Superseded = appendBounded(slot.Superseded, fmt.Sprintf("%s %s by %s", q.ID, short(q.Candidate), short(run.Candidate)), 20)
				p.progress(q.Candidate, fmt.Sprintf("%s: %s superseded by %s", stage, q.Sequence, short(run.Candidate)))
				continue
			}
			kept = append(kept, q)
		}
		slot.Queue = kept
	}
	slot.Queue = append(slot.Queue, run)
}

func appendBounded(list []string, s string, limit int) []string {
	list = append(list, s)
	if len(list) > limit {
		list = list[len(list)-limit:]
	}
	return list
}
