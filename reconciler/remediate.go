package reconciler

import (
	"cmp"
	"context"
	"fmt"
	"path"
	"strconv"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/reconciler/notify"
	"github.com/ferrycd/ferry/remediator"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// openProblems turns alert reports into problems: one open problem per
// (stage, service, problem type); repeats change nothing.
func (p *pass) openProblems(context.Context) error {
	for _, r := range p.st.Reports {
		if r.Kind != status.ReportAlert && r.Kind != status.ReportAlertResolved || p.consumed[r.File] {
			continue
		}
		p.consumed[r.File] = true
		slot := p.st.Slots[status.SlotKey(r.Stage, r.Service)]
		var released string
		if slot != nil && slot.Released != nil {
			released = slot.Released.Candidate
		}
		switch pr, change := p.st.Alert(r, released, p.in.now); change {
		case status.AlertIgnored:
			p.record(nil, nil, "alert %s for %s in %s: nothing released there; ignored", r.Task, r.Service, r.Stage)
		case status.AlertOpened:
			p.transitions++
			p.record(nil, nil, "problem %s opened: %s", pr.ID, r.Message)
		case status.AlertResolved:
			p.transitions++
		}
	}
	return nil
}

// remediating reports whether a problem is open for a service in a stage:
// promotions into the stage wait meanwhile.
func (p *pass) remediating(stage, svc string) *status.Problem {
	return p.st.OpenProblem(stage, svc, "")
}

// remediate advances every open problem.
func (p *pass) remediate(context.Context) error {
	for _, pr := range p.st.Problems {
		if pr.Status != status.ProblemOpen {
			continue
		}
		for range maxStepsPerSlot {
			more, err := p.remediateStep(pr)
			if err != nil {
				return err
			}
			if !more {
				break
			}
		}
	}
	return nil
}

// remediateStep moves a problem one step; more is true when another step
// may follow at once.
func (p *pass) remediateStep(pr *status.Problem) (bool, error) {
	proj, err := p.projects.At(gitstore.NewHash(pr.Candidate))
	if err != nil {
		p.endProblem(pr, status.ProblemEscalated, "the remediation file cannot be read: "+status.FirstLine(err))
		return false, nil
	}
	if tip := p.in.main; tip != nil {
		if h := tip.HoldOn(pr.Service, pr.Stage, p.in.now); h != nil && h.Remediation {
			p.wake(h.UntilTime())
			return false, nil // a hold that says so stops remediation too
		}
	}
	var cur *status.ProblemAction
	if n := len(pr.Actions); n > 0 && pr.Actions[n-1].Result == "" {
		cur = pr.Actions[n-1]
	}
	if cur == nil {
		return p.startAction(pr, proj)
	}
	return p.checkAction(pr, cur, proj)
}

// startAction commits the next action of the remediation file, or ends
// the problem when none is left.
func (p *pass) startAction(pr *status.Problem, proj *stages.Project) (bool, error) {
	plan := remediator.PlanFor(proj.Remediation(pr.Service, pr.Stage), pr.ProblemType)
	i := len(pr.Actions)
	a, ok := plan.Next(i)
	if !ok {
		p.endProblem(pr, status.ProblemEscalated, fmt.Sprintf("no action left after %d: escalated", i))
		return false, nil
	}
	pa := &status.ProblemAction{Index: i, Action: a.Action, Name: a.Name, Started: p.in.now}
	pr.Actions = append(pr.Actions, pa)
	p.transitions++
	slot := p.st.Slot(pr.Stage, pr.Service)
	switch a.Kind() {
	case remediator.ActionEscalate:
		pa.Result = stages.ResultPass
		p.endProblem(pr, status.ProblemEscalated, "escalated by the remediation file")
		return false, nil
	case remediator.ActionScaling, remediator.ActionToggleFeature:
		if err := p.commitAction(pr, pa, a, proj, i, len(plan)); err != nil {
			// The action fails with the reason; the next one is tried.
			pa.Result, pa.Change = stages.ResultFail, err.Error()
			return true, nil //nolint:nilerr // an action that cannot be made fails, the problem goes on
		}
	case remediator.ActionRollback:
		if slot.Previous == nil {
			pa.Result, pa.Change = stages.ResultFail, "no earlier release to roll back to"
			return true, nil
		}
		// Roll back to the release before the current one.
		cur := slot.Released
		slot.Released = slot.Previous
		run := &status.Run{ID: pr.ID, Candidate: pr.Candidate}
		out, err := p.rollback(slot, run, proj)
		slot.Released = cur
		if err != nil {
			return false, err
		}
		pa.Change, pa.Commit = out.msg, p.batch.Tip(p.store.StageRef(pr.Stage)).String()
	default:
		pa.Waiting, pa.Until = status.WaitReport, p.in.now.Add(p.opts.Timeout)
		return false, nil
	}
	pa.Waiting, pa.Until = status.WaitDeployed, p.in.now.Add(proj.Config.SettleTime())
	p.wake(pa.Until)
	return false, nil
}

// commitAction edits overrides.yaml (scaling, togglefeature), re-renders
// and commits to the stage branch.
func (p *pass) commitAction(pr *status.Problem, pa *status.ProblemAction, a *remediator.Action, proj *stages.Project, i, n int) error {
	ref := p.store.StageRef(pr.Stage)
	overrides, err := p.overrides(ref, pr.Service)
	if err != nil {
		return err
	}
	overrides, pa.Change, err = a.Apply(overrides, proj.Values(pr.Service, pr.Stage, overrides), proj.Config.Remediation.Scaling())
	if err != nil {
		return err
	}
	manifests, err := proj.Render(pr.Service, pr.Stage, overrides)
	if err != nil {
		return err
	}
	dir := path.Join(stages.ServicesDir, pr.Service)
	edits, err := proj.Kustomize(p.batch.Reader, p.batch.Tip(ref), pr.Stage, []gitstore.Edit{
		gitstore.Put(dir+"/overrides.yaml", status.Marshal(overrides)), gitstore.Put(dir+"/manifests.yaml", manifests),
	})
	if err != nil {
		return err
	}
	c, err := p.batch.Commit(ref, gitstore.CommitRequest{
		Message: fmt.Sprintf("remediate %s in %s: %s\n\nProblem %s (%s), action %d of %d: %s.",
			pr.Service, pr.Stage, pa.Change, pr.ID, pr.ProblemType, i+1, n, a.Action),
		Trailers: gitstore.FerryTrailers{
			Service: pr.Service, Stage: pr.Stage, Candidate: pr.Candidate, Task: stages.TaskAction, Problem: pr.ID,
		}.Trailers(),
		Edits: edits,
	})
	if err != nil {
		return err
	}
	pa.Commit = c.String()
	p.record(nil, nil, "problem %s: %s %s (%s)", pr.ID, a.Action, pa.Change, gitstore.ShortSHA(pa.Commit))
	return nil
}

// checkAction waits for the action to be deployed and its delay, then
// evaluates the stage's SLO over the time since: pass closes the problem,
// fail moves to the next action.
func (p *pass) checkAction(pr *status.Problem, pa *status.ProblemAction, proj *stages.Project) (bool, error) {
	switch pa.Waiting {
	case status.WaitReport:
		if r := p.takeReport(func(r *status.Report) bool {
			return r.Kind == status.ReportTask && r.Run == pr.ID && r.Task == pa.Action
		}); r != nil {
			pa.Waiting, pa.DeployedAt = status.WaitWindow, p.in.now
			pa.Until = p.in.now.Add(proj.Shipyard.RemediationDelay(pr.Stage))
			return true, nil
		}
		if !p.in.now.Before(pa.Until) {
			pa.Result = stages.ResultFail
			return true, nil
		}
		p.wake(pa.Until)
		return false, nil
	case status.WaitDeployed:
		r, err := p.deployedReport(pr.Stage, pa.Commit)
		if err != nil {
			return false, err
		}
		if r == nil && p.in.now.Before(pa.Until) {
			p.wake(pa.Until)
			return false, nil
		}
		if r != nil && r.Healthy != nil && !*r.Healthy {
			pa.Result = stages.ResultFail
			return true, nil
		}
		pa.DeployedAt = p.in.now
		pa.Waiting, pa.Until = status.WaitWindow, p.in.now.Add(proj.Shipyard.RemediationDelay(pr.Stage))
		p.transitions++
		return true, nil
	case status.WaitWindow:
		if p.in.now.Before(pa.Until) {
			p.wake(pa.Until)
			return false, nil
		}
		rec, err := p.evaluateProblem(pr, pa, proj)
		if err != nil || rec == nil {
			return false, err // nil: the gate's queries still run
		}
		score := rec.Score
		pa.Score, pa.Result, pa.Waiting = &score, rec.Result, ""
		p.transitions++
		if rec.Result != stages.ResultFail {
			p.endProblem(pr, status.ProblemClosed, fmt.Sprintf("the SLO passed after %s %s (score %s)", pa.Action, pa.Change, fmtScore(score)))
			return false, nil
		}
		return true, nil
	}
	return false, nil
}

func (p *pass) evaluateProblem(pr *status.Problem, pa *status.ProblemAction, proj *stages.Project) (*evaluator.Record, error) {
	id := pr.ID + "-a" + strconv.Itoa(pa.Index)
	rec, pending, err := p.gate(proj, pr.Stage, pr.Service, pr.Candidate, evaluator.Window{Start: pa.DeployedAt, End: pa.Until}, id)
	if err != nil || pending {
		return nil, err
	}
	if rec == nil {
		return &evaluator.Record{Result: stages.ResultPass, Message: "no SLO"}, nil
	}
	return rec, p.keep(rec, cmp.Or(pa.Commit, p.batch.Tip(p.store.StageRef(pr.Stage)).String()), pr.Candidate, pr.ID, id)
}

func (p *pass) endProblem(pr *status.Problem, state status.ProblemState, msg string) {
	pr.Status, pr.Message, pr.Ended = state, msg, p.in.now
	p.transitions++
	p.record(nil, nil, "problem %s %s: %s", pr.ID, state, msg)
	if state == status.ProblemEscalated {
		p.notes = append(p.notes, notify.Notification{
			Event: notify.EventProblemEscalated, Stage: pr.Stage, Service: pr.Service, Candidate: pr.Candidate,
			Run: pr.ID, Message: pr.ProblemType + ": " + msg, Time: p.in.now,
		})
	}
}
