package reconciler

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// PullRequests opens and reads pull requests on the repository's forge.
type PullRequests interface {
	Open(ctx context.Context, r forge.Request) (forge.PullRequest, error)
	Get(ctx context.Context, number int) (forge.PullRequest, error)
}

var _ PullRequests = (*forge.Client)(nil)

// pullRequest opens the pull request of a waiting proposal once its branch
// is on the remote, and reads its state afterwards. A closed request is a
// rejection. Forge failures never fail the run: they are logged and
// retried a minute later; a review happens outside Git, so the forge is
// read again every ForgePoll while the proposal waits.
func (p *pass) pullRequest(ctx context.Context, slot *status.Slot, run *status.Run, proposal, stageRef string) (rejected bool) {
	prs := p.opts.PullRequests
	if prs == nil || run.PullRequest == 0 && p.in.snap.Get(proposal).IsZero() {
		return false // no forge, or pushed by this pass: open the request in the next
	}
	var pr forge.PullRequest
	var err error
	if run.PullRequest == 0 {
		pr, err = prs.Open(ctx, forge.Request{
			Head: strings.TrimPrefix(proposal, "refs/heads/"), Base: strings.TrimPrefix(stageRef, "refs/heads/"),
			Title: fmt.Sprintf("Promote %s %s to %s", slot.Service, run.Version(), slot.Stage), Body: p.proposalBody(slot, run, proposal, stageRef),
		})
	} else {
		pr, err = prs.Get(ctx, run.PullRequest)
	}
	run.ForgeCalled(err, p.in.now)
	if err != nil {
		p.wake(p.in.now.Add(retryForge))
		p.log.Error(err, msgForgeFailed, keyStage, slot.Stage, keyService, slot.Service, keyRun, run.ID, keyRetryIn, retryForge.String())
		return false
	}
	p.wake(p.in.now.Add(p.opts.ForgePoll))
	if run.PullRequest == 0 {
		run.PullRequest, run.PullRequestURL = pr.Number, pr.URL
		p.transitions++
		p.progress(run.Candidate, fmt.Sprintf("%s: pull request for %s: %s", slot.Stage, slot.Service, pr.URL))
	}
	if pr.State == forge.StateMerged && pr.MergedBy != "" {
		run.Approver = pr.MergedBy
	}
	return pr.State == forge.StateClosed
}

// proposalBody is what a reviewer needs: the versions, the gate's verdict
// with its objectives, the manifests' change, and where the record is.
func (p *pass) proposalBody(slot *status.Slot, run *status.Run, proposal, stageRef string) string {
	b := forge.Proposal{
		Service: slot.Service, Stage: slot.Stage, Run: run.ID, After: run.Version(), Candidate: run.Candidate,
		TriggeredBy: run.TriggeredBy, Gate: run.Gate, Record: p.gateRecord(slot, run),
	}
	if slot.Released != nil {
		b.Before = slot.Released.Pin
	}
	b.Added, b.Removed = p.manifestChange(slot.Service, stageRef, proposal)
	return b.Body()
}

// gateRecord finds the evaluation record of the run that triggered this one.
func (p *pass) gateRecord(slot *status.Slot, run *status.Run) *evaluator.Record {
	stage, rest, ok := strings.Cut(run.TriggeredBy, ".")
	if !ok {
		return nil
	}
	_, id, _ := strings.Cut(rest, " ")
	rec, _ := evaluator.Find(p.batch.Reader, p.batch.Tip(p.statusRef), stage, slot.Service, id)
	return rec
}

// manifestChange counts the lines of a service's manifests that differ
// between two refs.
func (p *pass) manifestChange(svc, from, to string) (added, removed int) {
	file := path.Join(stages.ServicesDir, svc, stages.ManifestsFile)
	return p.batch.LineChanges(p.batch.Tip(from), p.batch.Tip(to), file)
}
