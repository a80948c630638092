package reconciler

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/reconciler/notify"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// approve applies the approval task: automatic, or manual through a
// proposal branch whose merge into the stage branch is the approval. A
// failed gate is never approved. An approved merge waits to be deployed;
// a proposal nobody merges within the stage's approval timeout expires.
func (p *pass) approve(ctx context.Context, slot *status.Slot, run *status.Run, proj *stages.Project, task *stages.Task) (taskOutcome, error) {
	verdict := stages.Worst(map[string]string{"gate": run.Gate, "tasks": stages.Worst(run.Results)})
	if verdict == stages.ResultFail {
		return done(stages.ResultFail, "a failed gate is never approved"), nil
	}
	mode := task.Property(verdict)
	if mode != "manual" {
		return done(stages.ResultPass, "approved automatically ("+verdict+")"), nil
	}
	if run.Proposed && run.StageCommit != "" { // merged: the run goes on once the merge is deployed
		return p.awaitDeployed(slot, run, "approved by "+run.Approver+"; ")
	}
	stageRef, proposal := p.store.StageRef(slot.Stage), p.store.FerryRef("proposals/"+slot.Stage+"/"+slot.Service)
	// A first promotion into the stage: its proposal needs a branch to merge into.
	if err := p.batch.Create(stageRef, proj.NewStageBranch(slot.Stage, trailers(slot, run, stages.TaskApproval))); err != nil {
		return done(stages.ResultFail, err.Error()), nil
	}
	if run.Waiting != status.WaitApproval {
		p.batch.SetRef(proposal, p.batch.Tip(stageRef))
		run.ProposalBase = p.batch.Tip(stageRef).String()
		c, err := p.commitDeployment(proposal, slot, run, proj)
		if err != nil {
			return done(stages.ResultFail, err.Error()), nil
		}
		run.Proposed = true
		p.progress(run.Candidate, fmt.Sprintf("%s: waiting for approval of %s: merge %s (%s) into %s",
			slot.Stage, slot.Service, proposal, gitstore.ShortSHA(c), stageRef))
		p.notify(slot, run, notify.EventApprovalNeeded, fmt.Sprintf("%s gate result needs a person's approval", verdict), func(n *notify.Notification) {
			n.Proposal, n.Commit = strings.TrimPrefix(proposal, "refs/heads/"), c
		})
		return p.wait(run, status.WaitApproval, run.TaskStarted.Add(proj.Config.ApprovalTimeout(slot.Stage))), nil
	}
	rejected := p.pullRequest(ctx, slot, run, proposal, stageRef)
	c, err := p.findRunCommit(stageRef, run)
	if err != nil {
		return taskOutcome{}, err
	}
	if c != "" {
		var by string
		run.StageCommit, by = p.merged(stageRef, c)
		run.Approver = cmp.Or(run.Approver, by)
		p.setDeployed(slot, run, false)
		p.batch.SetRef(proposal, gitstore.ZeroHash)
		p.progress(run.Candidate, fmt.Sprintf("%s: %s approved by %s", slot.Stage, slot.Service, run.Approver))
		return p.wait(run, status.WaitDeployed, p.in.now.Add(proj.Settle(slot.Stage, run.Sequence))), nil
	}
	if p.batch.Tip(proposal).IsZero() {
		return done(stages.ResultFail, "the proposal branch was deleted: not approved"), nil
	}
	if rejected {
		p.batch.SetRef(proposal, gitstore.ZeroHash)
		return done(stages.ResultFail, "the pull request was closed: not approved"), nil
	}
	if proj.Config.Concurrency(slot.Stage) == stages.ConcurrencyLatest && slot.Queues(run.Sequence) {
		p.batch.SetRef(proposal, gitstore.ZeroHash)
		return done(status.ResultSuperseded, "the proposal was withdrawn: a newer candidate waits (concurrency latest)"), nil
	}
	if tip := p.batch.Tip(stageRef).String(); run.ProposalBase != "" && tip != run.ProposalBase {
		if err := p.rebuildProposal(proposal, stageRef, slot, run, proj); err != nil {
			return done(stages.ResultFail, "rebuild the stale proposal: "+err.Error()), nil //nolint:nilerr // the task fails with the reason; the pass goes on
		}
	}
	if !p.in.now.Before(run.Until) {
		p.batch.SetRef(proposal, gitstore.ZeroHash)
		msg := "no approval within " + proj.Config.ApprovalTimeout(slot.Stage).String() + ": the proposal was withdrawn"
		p.notify(slot, run, notify.EventApprovalExpired, msg, nil)
		return done(status.ResultExpired, msg), nil
	}
	return waiting(), nil
}

// rebuildProposal brings a waiting proposal up to date with a stage branch
// that moved: a new commit on the proposal branch merging the stage tip,
// with the deployment rendered on top of it. The proposal branch only ever
// moves forward.
func (p *pass) rebuildProposal(proposal, stageRef string, slot *status.Slot, run *status.Run, proj *stages.Project) error {
	tip := p.batch.Tip(stageRef)
	edits, err := p.deploymentEdits(stageRef, slot, run, proj)
	if err != nil {
		return err
	}
	_, err = p.batch.Merge(proposal, tip, gitstore.CommitRequest{
		Message:  deploymentMessage(slot, run) + "\n\nRebuilt on top of " + strings.TrimPrefix(stageRef, "refs/heads/") + " " + gitstore.ShortSHA(tip.String()) + ".",
		Trailers: trailers(slot, run, stages.TaskDeployment), Edits: edits,
	})
	if err != nil {
		return err
	}
	run.ProposalBase = tip.String()
	p.transitions++
	p.progress(run.Candidate, fmt.Sprintf("%s: proposal for %s rebuilt on top of %s", slot.Stage, slot.Service, gitstore.ShortSHA(tip.String())))
	return nil
}

// merged returns the commit that brought commit c onto the stage branch,
// which agents report applied — the merge commit, else (a fast-forward or
// a squash) c itself — and who made it: the merge's author, else c's
// committer.
func (p *pass) merged(ref, c string) (commit, by string) {
	m, err := p.batch.BroughtBy(p.batch.Tip(ref), gitstore.NewHash(c), gitstore.LogOptions{Limit: maxHistorySearch})
	switch {
	case err != nil:
		return c, "unknown"
	case m.Hash.String() == c:
		return c, signature(m.Committer.Name, m.Committer.Email)
	}
	return m.Hash.String(), signature(m.Author.Name, m.Author.Email)
}
