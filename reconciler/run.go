package reconciler

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
)

// Waits a run can be in.
const (
	waitDelay    = "delay"    // triggeredAfter
	waitDeployed = "deployed" // a deployed report or the settle time
	waitTest     = "test"     // a test report or the duration
	waitWindow   = "window"   // the evaluation timeframe to pass
	waitApproval = "approval" // the proposal merged into the stage branch
	waitReport   = "report"   // an external task's report
)

// taskOutcome is what a task step decided.
type taskOutcome struct {
	wait   bool   // the task waits; the run stays
	result string // pass, warning or fail once done
	msg    string
}

func waiting() taskOutcome                { return taskOutcome{wait: true} }
func done(result, msg string) taskOutcome { return taskOutcome{result: result, msg: msg} }

// advance moves a slot as far as it can go in this pass.
func (p *pass) advance(ctx context.Context, slot *Slot) error {
	for range maxStepsPerSlot {
		if slot.Current == nil && !p.startNext(slot) {
			return nil
		}
		run := slot.Current
		proj, err := p.r.project(p.store.Reader, hashOf(run.Candidate))
		if err != nil {
			p.finish(slot, run, nil, stages.ResultFail, "the project at the candidate commit cannot be read: "+firstLine(err))
			continue
		}
		seq := proj.Shipyard.Sequence(slot.Stage, run.Sequence)
		if seq == nil {
			p.finish(slot, run, proj, stages.ResultFail, fmt.Sprintf("the shipyard at %s has no sequence %q in stage %q", short(run.Candidate), run.Sequence, slot.Stage))
			continue
		}
		if run.Task >= len(seq.Tasks) {
			p.finish(slot, run, proj, worst(run.Results), "")
			continue
		}
		out, err := p.step(ctx, slot, run, proj, &seq.Tasks[run.Task])
		if err != nil {
			return err
		}
		if out.wait {
			p.wake(run.Until)
			return nil
		}
		p.transitions++
		task := seq.Tasks[run.Task].Name
		if run.Results == nil {
			run.Results = map[string]string{}
		}
		run.Results[task] = out.result
		p.logf("%s/%s %s %s: %s %s", slot.Stage, slot.Service, run.ID, task, out.result, out.msg)
		if out.result == resultSuperseded {
			p.finish(slot, run, proj, resultSuperseded, out.msg)
			continue
		}
		if out.result == stages.ResultFail {
			if task == "evaluation" {
				p.notify(slot, run, EventGateFailed, "the quality gate failed: "+out.msg, nil)
			}
			p.finish(slot, run, proj, stages.ResultFail, fmt.Sprintf("%s failed: %s", task, out.msg))
			continue
		}
		run.Task++
		run.TaskStarted, run.Waiting, run.Until = p.now, "", time.Time{}
		run.Phase = PhaseRunning
	}
	return nil
}

// startNext takes the next queued run unless a hold stops it.
func (p *pass) startNext(slot *Slot) bool {
	if len(slot.Queue) == 0 {
		return false
	}
	run := slot.Queue[0]
	if proj, err := p.r.project(p.store.Reader, hashOf(run.Candidate)); err == nil {
		// Holds are read at main's tip: lifting one is a new commit.
		if tip, err := p.r.project(p.store.Reader, p.mainTip); err == nil {
			proj = tip
		}
		if pr := p.remediating(slot.Stage, slot.Service); pr != nil {
			if run.Phase != PhaseHeld {
				run.Phase, run.Message = PhaseHeld, "waiting: problem "+pr.ID+" is being remediated"
				p.transitions++
			}
			return false
		}
		if h := proj.HoldOn(slot.Service, slot.Stage, p.now); h != nil {
			if run.Phase != PhaseHeld {
				by := h.By
				if by == "" {
					by = p.holdAuthor(h.File)
				}
				run.Phase, run.Message = PhaseHeld, fmt.Sprintf("held: %s (%s, by %s)", h.Reason, h.File, by)
				p.transitions++
			}
			if !h.UntilTime().IsZero() {
				p.wake(h.UntilTime())
			}
			return false
		}
	}
	slot.Queue = slot.Queue[1:]
	slot.Current = run
	run.Phase, run.Message, run.Task, run.TaskStarted, run.Since = PhaseRunning, "", 0, p.now, p.now
	p.transitions++
	p.progress(run.Candidate, fmt.Sprintf("%s: %s started for %s (run %s)", slot.Stage, run.Sequence, slot.Service, run.ID))
	return true
}

// holdAuthor names who asked for a hold: the author of the newest commit
// on main that changed its file.
func (p *pass) holdAuthor(file string) string {
	h := p.mainTip
	for range maxHistorySearch {
		c, err := p.store.Commit(h)
		if err != nil {
			break
		}
		parent := gitstore.ZeroHash
		if len(c.Parents) > 0 {
			parent = c.Parents[0]
		}
		changed, err := p.store.ChangedPaths(parent, h)
		if err != nil {
			break
		}
		if slices.Contains(changed, file) {
			return fmt.Sprintf("%s <%s>", c.Author.Name, c.Author.Email)
		}
		if parent.IsZero() {
			break
		}
		h = parent
	}
	return "unknown"
}

// step runs one task of a run.
func (p *pass) step(ctx context.Context, slot *Slot, run *Run, proj *stages.Project, task *stages.Task) (taskOutcome, error) {
	if d := task.Delay(); d > 0 && p.now.Before(run.TaskStarted.Add(d)) {
		return p.wait(run, waitDelay, run.TaskStarted.Add(d)), nil
	}
	switch task.Name {
	case "deployment":
		return p.deploy(slot, run, proj, task)
	case "test":
		return p.test(run, task), nil
	case "evaluation":
		return p.evaluate(ctx, slot, run, proj, task)
	case "approval":
		return p.approve(ctx, slot, run, proj, task)
	case "release":
		if slot.Released != nil && slot.Released.Candidate != run.Candidate {
			slot.Previous = slot.Released
		}
		slot.Released = &Release{Candidate: run.Candidate, StageCommit: run.StageCommit, Pin: run.Pin, At: p.now}
		if slot.Released.StageCommit == "" {
			slot.Released.StageCommit = p.batch.Tip(p.store.StageRef(slot.Stage)).String()
		}
		p.progress(run.Candidate, fmt.Sprintf("%s: released %s", slot.Stage, slot.Service))
		return done(stages.ResultPass, "released"), nil
	case "rollback":
		return p.rollback(slot, run)
	}
	return p.external(run, task), nil
}

// wait parks a run until a time, at which the wait ends or times out.
func (p *pass) wait(run *Run, what string, until time.Time) taskOutcome {
	if run.Waiting != what || !run.Until.Equal(until) {
		run.Waiting, run.Until, run.Phase = what, until, PhaseWaiting
		p.transitions++
	}
	return waiting()
}

// finish ends a run and starts the sequences its end triggers.
func (p *pass) finish(slot *Slot, run *Run, proj *stages.Project, result, msg string) {
	run.Result, run.Message, run.Ended = result, msg, p.now
	run.Phase, run.Waiting, run.Until = PhaseSucceeded, "", time.Time{}
	if result == stages.ResultFail {
		run.Phase = PhaseFailed
	}
	slot.Last, slot.Current = run, nil
	p.transitions++
	line := fmt.Sprintf("%s: %s %s for %s", slot.Stage, run.Sequence, result, slot.Service)
	if run.Score != nil {
		line += fmt.Sprintf(" (score %s)", fmtScore(*run.Score))
	}
	if msg != "" {
		line += ": " + msg
	}
	p.progress(run.Candidate, line)
	p.logf("%s/%s %s %s finished: %s %s", slot.Stage, slot.Service, run.ID, run.Sequence, result, msg)
	if proj == nil {
		return
	}
	for _, next := range proj.Shipyard.Next(slot.Stage, run.Sequence, result, run.Results) {
		nr := &Run{Candidate: run.Candidate, Sequence: next.Sequence, TriggeredBy: slot.Stage + "." + run.Sequence + " " + run.ID, Gate: result, Score: run.Score}
		p.enqueue(next.Stage, slot.Service, nr, proj, next.Stage == slot.Stage)
		p.progress(run.Candidate, fmt.Sprintf("%s: queued %s for %s", next.Stage, next.Sequence, slot.Service))
	}
}

// worst folds task results: any fail fails, else any warning warns.
func worst(results map[string]string) string {
	out := stages.ResultPass
	for _, r := range results {
		switch r {
		case stages.ResultFail:
			return stages.ResultFail
		case stages.ResultWarning:
			out = stages.ResultWarning
		}
	}
	return out
}

func fmtScore(s float64) string { return fmt.Sprintf("%.4g", s) }
