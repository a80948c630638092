package reconciler

import (
	"context"
	"fmt"
	"time"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/reconciler/notify"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
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
func (p *pass) advance(ctx context.Context, slot *status.Slot) error {
	for range maxStepsPerSlot {
		if slot.Current == nil && !p.startNext(slot) {
			return nil
		}
		run := slot.Current
		proj, err := p.projects.At(gitstore.NewHash(run.Candidate))
		if err != nil {
			p.finish(slot, run, nil, stages.ResultFail, "the project at the candidate commit cannot be read: "+status.FirstLine(err))
			continue
		}
		seq := proj.Shipyard.Sequence(slot.Stage, run.Sequence)
		if seq == nil {
			p.finish(slot, run, proj, stages.ResultFail, fmt.Sprintf("the shipyard at %s has no sequence %q in stage %q", gitstore.ShortSHA(run.Candidate), run.Sequence, slot.Stage))
			continue
		}
		if run.Task >= len(seq.Tasks) {
			p.finish(slot, run, proj, stages.Worst(run.Results), "")
			continue
		}
		task := &seq.Tasks[run.Task]
		run.TaskName = task.Name
		out, err := p.step(ctx, slot, run, proj, task)
		if err != nil {
			return fmt.Errorf("%s/%s run %s task %s: %w", slot.Stage, slot.Service, run.ID, task.Name, err)
		}
		if out.wait {
			p.wake(run.Until)
			return nil
		}
		p.endTask(slot, run, proj, task.Name, out)
	}
	return nil
}

// endTask records a task's result and moves the run to its next task, or
// ends it.
func (p *pass) endTask(slot *status.Slot, run *status.Run, proj *stages.Project, task string, out taskOutcome) {
	p.transitions++
	if run.Results == nil {
		run.Results = map[string]string{}
	}
	run.Results[task] = out.result
	p.record(slot, run, "%s: %s %s", task, out.result, out.msg)
	if event, msg := notify.ForTask(task, out.result, out.msg); event != "" {
		p.notify(slot, run, event, msg, nil)
	}
	switch out.result {
	case status.ResultSuperseded, status.ResultExpired, status.ResultUnsigned:
		p.finish(slot, run, proj, out.result, out.msg)
	case stages.ResultFail:
		p.finish(slot, run, proj, stages.ResultFail, fmt.Sprintf("%s failed: %s", task, out.msg))
	default:
		run.Task++
		run.TaskStarted, run.Waiting, run.Until, run.TaskName = p.in.now, "", time.Time{}, ""
		run.Phase = status.PhaseRunning
	}
}

// startNext takes the next queued run unless a problem being remediated or
// a hold stops it. Holds are read at main's tip: lifting one is a commit.
func (p *pass) startNext(slot *status.Slot) bool {
	if len(slot.Queue) == 0 {
		return false
	}
	run := slot.Queue[0]
	if pr := p.remediating(slot.Stage, slot.Service); pr != nil {
		p.hold(run, "waiting: problem "+pr.ID+" is being remediated")
		return false
	}
	if proj := p.in.main; proj != nil {
		if h := proj.HoldOn(slot.Service, slot.Stage, p.in.now); h != nil {
			by := h.By
			if by == "" {
				by = p.holdAuthor(h.File)
			}
			p.hold(run, fmt.Sprintf("held: %s (%s, by %s)", h.Reason, h.File, by))
			p.wake(h.UntilTime())
			return false
		}
	}
	slot.Queue = slot.Queue[1:]
	slot.Current = run
	run.Phase, run.Message, run.Task, run.TaskStarted, run.Since = status.PhaseRunning, "", 0, p.in.now, p.in.now
	p.transitions++
	p.progress(run.Candidate, fmt.Sprintf("%s: %s started for %s (run %s)", slot.Stage, run.Sequence, slot.Service, run.ID))
	return true
}

// hold marks a queued run held, once.
func (p *pass) hold(run *status.Run, msg string) {
	if run.Phase != status.PhaseHeld || run.Message != msg {
		run.Phase, run.Message = status.PhaseHeld, msg
		p.transitions++
	}
}

// holdAuthor names who asked for a hold: the author of the newest commit
// on main that changed its file.
func (p *pass) holdAuthor(file string) string {
	if by, ok := p.holdAuthors[file]; ok {
		return by
	}
	by := "unknown"
	c, err := p.store.Find(p.in.mainTip, gitstore.LogOptions{FirstParent: true, Limit: maxHistorySearch, Path: file},
		func(*gitstore.Commit) bool { return true })
	if err == nil {
		by = signature(c.Author.Name, c.Author.Email)
	}
	if p.holdAuthors == nil {
		p.holdAuthors = map[string]string{}
	}
	p.holdAuthors[file] = by
	return by
}

// step runs one task of a run.
func (p *pass) step(ctx context.Context, slot *status.Slot, run *status.Run, proj *stages.Project, task *stages.Task) (taskOutcome, error) {
	if msg := p.opts.Verifier.Admit(p.store, slot, run, proj, p.in.main); msg != "" {
		return done(status.ResultUnsigned, msg), nil
	} else if d := task.Delay(); d > 0 && p.in.now.Before(run.TaskStarted.Add(d)) {
		return p.wait(run, status.WaitDelay, run.TaskStarted.Add(d)), nil
	}
	switch task.Name {
	case stages.TaskDeployment:
		return p.deploy(slot, run, proj, task)
	case stages.TaskTest:
		return p.test(run, task), nil
	case stages.TaskEvaluation:
		return p.evaluate(slot, run, proj, task)
	case stages.TaskApproval:
		return p.approve(ctx, slot, run, proj, task)
	case stages.TaskRelease:
		return p.release(slot, run), nil
	case stages.TaskRollback:
		return p.rollback(slot, run, proj)
	}
	return p.external(run, task), nil
}

// release marks the candidate released in the stage.
func (p *pass) release(slot *status.Slot, run *status.Run) taskOutcome {
	if slot.Released != nil && slot.Released.Candidate != run.Candidate {
		slot.Previous = slot.Released
	}
	rel := &status.Release{Candidate: run.Candidate, StageCommit: run.StageCommit, Pin: run.Pin, At: p.in.now, Score: run.Score}
	if run.Score != nil {
		rel.Verdict = stages.Worst(run.Results)
	}
	if rel.StageCommit == "" {
		rel.StageCommit = p.batch.Tip(p.store.StageRef(slot.Stage)).String()
	}
	slot.Released = rel
	p.progress(run.Candidate, fmt.Sprintf("%s: released %s", slot.Stage, slot.Service))
	return done(stages.ResultPass, "released")
}

// wait parks a run until a time, at which the wait ends or times out.
func (p *pass) wait(run *status.Run, what status.Wait, until time.Time) taskOutcome {
	if run.Waiting != what || !run.Until.Equal(until) {
		run.Waiting, run.Until, run.Phase = what, until, status.PhaseWaiting
		p.transitions++
	}
	return waiting()
}

// finish ends a run and starts the sequences its end triggers.
func (p *pass) finish(slot *status.Slot, run *status.Run, proj *stages.Project, result, msg string) {
	run.End(result, msg, p.in.now)
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
	p.record(slot, run, "%s finished: %s %s", run.Sequence, result, msg)
	if proj == nil {
		return
	}
	for _, next := range proj.Shipyard.Next(slot.Stage, run.Sequence, result, run.Results) {
		nr, ok := run.Triggered(slot.Stage, next.Sequence, result)
		if !ok {
			p.record(slot, run, "%s.%s not started: %d sequences in a row triggered each other", next.Stage, next.Sequence, status.MaxTriggerDepth)
			continue
		}
		p.enqueue(next.Stage, slot.Service, nr, proj, next.Stage == slot.Stage)
		p.progress(run.Candidate, fmt.Sprintf("%s: queued %s for %s", next.Stage, next.Sequence, slot.Service))
	}
}

func fmtScore(s float64) string { return fmt.Sprintf("%.4g", s) }

func signature(name, email string) string { return fmt.Sprintf("%s <%s>", name, email) }
