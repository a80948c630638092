package reconciler

import (
	"context"
	"fmt"

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
	candidates, err := p.projects.Candidates(p.in.mainTip, gitstore.NewHash(last))
	if err != nil {
		return err
	}
	for _, c := range candidates {
		if c.Err != nil {
			p.record(nil, nil, "main %s is invalid; no candidates from it: %v", gitstore.ShortSHA(c.Commit.String()), status.FirstLine(c.Err))
		}
		for svc, err := range c.Invalid {
			p.record(nil, nil, "%s is invalid at %s; not delivered from it: %v", svc, gitstore.ShortSHA(c.Commit.String()), status.FirstLine(err))
		}
		for _, svc := range c.Services {
			p.enqueueCandidate(c.Project, c.Commit.String(), svc, c.SequenceFor(svc))
		}
	}
	p.st.State.LastMain = p.in.mainTip.String()
	return nil
}

// enqueueCandidate starts a candidate in the sequence its commit names, else
// the service's (stages.Project.StartSequence); when it cannot start, the
// reason goes to status and to the candidate's note.
func (p *pass) enqueueCandidate(proj *stages.Project, candidate, svc, named string) {
	stage, seq, err := proj.StartSequence(svc, named)
	if err != nil {
		p.record(nil, nil, "%s %s is not delivered: %v", svc, gitstore.ShortSHA(candidate), err)
		p.progress(candidate, fmt.Sprintf("%s is not delivered: %v", svc, err))
		return
	}
	if s := proj.Services[svc]; p.rebuilt && s != nil && p.deployedBefore(stage, svc, candidate, s.Pin.Summary()) {
		p.record(nil, nil, "%s %s is already deployed in %s: not queued again", svc, gitstore.ShortSHA(candidate), stage)
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
		p.progress(q.Candidate, fmt.Sprintf("%s: %s superseded by %s", stage, q.Sequence, gitstore.ShortSHA(run.Candidate)))
	}
}
