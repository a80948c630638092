package reconciler

import (
	"errors"
	"fmt"
	"path"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/reconciler/notify"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// maxHistorySearch bounds the walk of a branch for a run's commit.
const maxHistorySearch = 200

// deploy renders the candidate and commits it to the stage branch, then
// waits until a report says it is applied, or until the settle time.
func (p *pass) deploy(slot *status.Slot, run *status.Run, proj *stages.Project, task *stages.Task) (taskOutcome, error) {
	stageRef := p.store.StageRef(slot.Stage)
	if run.StageCommit == "" {
		// A run's deployment commit is pushed with its state, atomically;
		// only a proposal's commit reaches the branch another way.
		if run.Proposed {
			c, err := p.findRunCommit(stageRef, run)
			if err != nil {
				return taskOutcome{}, err
			}
			run.StageCommit = c
		}
		if run.StageCommit == "" {
			c, err := p.commitDeployment(stageRef, slot, run, proj)
			if err != nil {
				return done(stages.ResultFail, err.Error()), nil
			}
			run.StageCommit = c
			p.deployed = append(p.deployed, slot.Stage)
			p.progress(run.Candidate, fmt.Sprintf("%s: deployed %s as %s", slot.Stage, slot.Service, gitstore.ShortSHA(c)))
		}
		p.setDeployed(slot, run, false)
		settle := task.DurationProperty("settle", proj.Config.SettleTime())
		return p.wait(run, status.WaitDeployed, p.in.now.Add(settle)), nil
	}
	if !run.DeployedAt.IsZero() {
		return done(stages.ResultPass, "deployed by the approved merge"), nil
	}
	return p.awaitDeployed(slot, run, "")
}

// awaitDeployed waits for a report that the run's stage commit is applied, or the settle time.
func (p *pass) awaitDeployed(slot *status.Slot, run *status.Run, prefix string) (taskOutcome, error) {
	r, err := p.deployedReport(slot.Stage, run.StageCommit)
	if err != nil {
		return taskOutcome{}, err
	}
	if r != nil {
		run.DeployedAt = r.Received
		p.noteSignal(run.StageCommit, r)
		if r.Healthy != nil && !*r.Healthy {
			return done(stages.ResultFail, "the deployment is unhealthy: "+r.Message), nil
		}
		return done(stages.ResultPass, prefix+"applied: "+r.Message), nil
	}
	if !p.in.now.Before(run.Until) {
		run.DeployedAt = run.Until
		return done(stages.ResultPass, prefix+"settled"), nil
	}
	return p.wait(run, status.WaitDeployed, run.Until), nil
}

// setDeployed records that the stage branch now runs the run's candidate.
func (p *pass) setDeployed(slot *status.Slot, run *status.Run, rolledBack bool) {
	slot.Deployed = &status.Deployment{
		Candidate: run.Candidate, Pin: run.Pin, Run: run.ID, StageCommit: run.StageCommit,
		Since: p.in.now, RolledBack: rolledBack,
	}
}

// commitDeployment writes the rendered manifests and the release record of
// a run as one commit on ref.
func (p *pass) commitDeployment(ref string, slot *status.Slot, run *status.Run, proj *stages.Project) (string, error) {
	edits, err := p.deploymentEdits(ref, slot, run, proj)
	if err != nil {
		return "", err
	}
	c, err := p.batch.Commit(ref, gitstore.CommitRequest{
		Message:    deploymentMessage(slot, run),
		Trailers:   trailers(slot, run, stages.TaskDeployment),
		Edits:      edits,
		AllowEmpty: true,
	})
	if err != nil {
		return "", fmt.Errorf("commit deployment: %w", err)
	}
	return c.String(), nil
}

func deploymentMessage(slot *status.Slot, run *status.Run) string {
	return fmt.Sprintf("deploy %s %s to %s", slot.Service, run.Version(), slot.Stage)
}

// deploymentEdits renders a run's candidate with the runtime overrides of
// the stage branch ref.
func (p *pass) deploymentEdits(ref string, slot *status.Slot, run *status.Run, proj *stages.Project) ([]gitstore.Edit, error) {
	overrides, err := p.overrides(ref, slot.Service)
	if err != nil {
		return nil, err
	}
	release := &stages.Release{
		Service: slot.Service, Stage: slot.Stage, Candidate: run.Candidate, Run: run.ID,
		Sequence: run.Sequence, Pin: run.Pin, TriggeredBy: run.TriggeredBy,
	}
	files, err := proj.StageFiles(slot.Service, slot.Stage, overrides, release)
	if err != nil {
		return nil, err
	}
	return proj.Kustomize(p.batch.Reader, p.batch.Tip(ref), slot.Stage, gitstore.EditsOf(files))
}

func trailers(slot *status.Slot, run *status.Run, task string) gitstore.Trailers {
	t := gitstore.FerryTrailers{Service: slot.Service, Stage: slot.Stage, Candidate: run.Candidate, Run: run.ID, Task: task}
	if run.Score != nil {
		t.Verdict = stages.Worst(run.Results) + " " + fmtScore(*run.Score)
	}
	return t.Trailers()
}

// overrides reads the runtime values remediation wrote for a service.
func (p *pass) overrides(ref, svc string) (map[string]any, error) {
	return stages.ReadOverrides(p.batch.Reader, p.batch.Tip(ref), svc)
}

// findRunCommit looks for the deployment commit of a run on a branch (by
// its Ferry-Run and Ferry-Candidate trailers: run ids restart when
// ferry/status is lost), through merges, within the last commits.
func (p *pass) findRunCommit(ref string, run *status.Run) (string, error) {
	c, err := p.batch.Find(p.batch.Tip(ref), gitstore.LogOptions{Limit: maxHistorySearch}, func(c *gitstore.Commit) bool {
		t := c.Trailers.Ferry()
		return t.Run == run.ID && t.Candidate == run.Candidate && t.Task == stages.TaskDeployment
	})
	switch {
	case gitstore.IsNotFound(err):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("look for run %s on %s: %w", run.ID, ref, err)
	}
	return c.Hash.String(), nil
}

// rollback restores the stage's last released state of the service as a
// forward commit.
func (p *pass) rollback(slot *status.Slot, run *status.Run, proj *stages.Project) (taskOutcome, error) {
	stageRef := p.store.StageRef(slot.Stage)
	if p.batch.Tip(stageRef).IsZero() {
		return done(stages.ResultPass, "nothing to roll back"), nil
	}
	dir := path.Join(stages.ServicesDir, slot.Service)
	edits := []gitstore.Edit{gitstore.Delete(dir)}
	to := "nothing (no release yet)"
	rel := slot.Released
	if rel != nil {
		files, err := p.batch.ReadDir(gitstore.NewHash(rel.StageCommit), dir)
		if err != nil && !gitstore.IsNotFound(err) {
			return taskOutcome{}, err
		}
		for name, data := range files {
			edits = append(edits, gitstore.Put(dir+"/"+name, data))
		}
		to = rel.Pin
		if to == "" {
			to = gitstore.ShortSHA(rel.Candidate)
		}
	}
	edits, err := proj.Kustomize(p.batch.Reader, p.batch.Tip(stageRef), slot.Stage, edits)
	if err != nil {
		return taskOutcome{}, err
	}
	c, err := p.batch.Commit(stageRef, gitstore.CommitRequest{
		Message:  fmt.Sprintf("roll back %s in %s to %s\n\n%s failed in %s (run %s).", slot.Service, slot.Stage, to, gitstore.ShortSHA(run.Candidate), slot.Stage, run.ID),
		Trailers: trailers(slot, run, stages.TaskRollback),
		Edits:    edits,
	})
	if errors.Is(err, gitstore.ErrNoChange) {
		return done(stages.ResultPass, "already at the last release"), nil
	}
	if err != nil {
		return taskOutcome{}, err
	}
	run.RolledBack = "rolled back to " + to
	if rel != nil {
		slot.Deployed = &status.Deployment{
			Candidate: rel.Candidate, Pin: rel.Pin, StageCommit: c.String(), Since: p.in.now,
			Verdict: rel.Verdict, Score: rel.Score, RolledBack: true,
		}
	} else {
		slot.Deployed = nil
	}
	p.progress(run.Candidate, fmt.Sprintf("%s: rolled %s back to %s (%s)", slot.Stage, slot.Service, to, gitstore.ShortSHA(c.String())))
	p.notify(slot, run, notify.EventRolledBack, "rolled back to "+to, func(n *notify.Notification) { n.Commit = c.String() })
	return done(stages.ResultPass, "rolled back to "+to), nil
}

// deployedReport returns the newest deployed report for the stage whose
// commit is commit or a descendant of it on the stage branch (see
// [status.Branch.Deployed]).
func (p *pass) deployedReport(stage, commit string) (*status.Report, error) {
	return p.st.Deployed(stage, commit, p.descends)
}

// noteSignal records a deploy signal in the note on the stage commit it
// concerns, next to the evaluation record that will join it.
func (p *pass) noteSignal(commit string, r *status.Report) {
	h := gitstore.NewHash(commit)
	old, _ := p.batch.Note(h)
	if note, err := evaluator.AddSignal(old, commit, r.SignalLine(commit)); err == nil {
		p.batch.SetNote(h, note)
	}
}

// descends reports whether commit from reaches commit to along first
// parents, within the last commits of a stage branch.
func (p *pass) descends(from, to string) (bool, error) {
	if from == to {
		return false, nil
	}
	return p.batch.IsAncestor(gitstore.NewHash(to), gitstore.NewHash(from), gitstore.LogOptions{FirstParent: true, Limit: maxHistorySearch + 1})
}

// takeReport consumes the oldest report that matches.
func (p *pass) takeReport(match func(*status.Report) bool) *status.Report {
	return p.st.Take(match, p.consumed)
}
