package reconciler

import (
	"cmp"
	"fmt"
	"time"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// test waits for the test duration, or for the test report of the run.
func (p *pass) test(run *status.Run, task *stages.Task) taskOutcome {
	if s := task.Property("duration"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return done(stages.ResultFail, "duration: "+err.Error())
		}
		end := run.TaskStarted.Add(d)
		if p.in.now.Before(end) {
			return p.wait(run, status.WaitTest, end)
		}
		run.TestStart, run.TestEnd = run.TaskStarted, end
		return done(stages.ResultPass, "test time over")
	}
	if r := p.takeReport(func(r *status.Report) bool { return r.Kind == status.ReportTest && r.Run == run.ID }); r != nil {
		run.TestStart, run.TestEnd = r.Start, r.End
		if run.TestStart.IsZero() {
			run.TestStart = run.TaskStarted
		}
		if run.TestEnd.IsZero() {
			run.TestEnd = r.Received
		}
		return done(r.Result, "test reported "+r.Result)
	}
	deadline := run.TaskStarted.Add(p.opts.Timeout)
	if !p.in.now.Before(deadline) {
		return done(stages.ResultFail, fmt.Sprintf("no test report for run %s within %s", run.ID, p.opts.Timeout))
	}
	return p.wait(run, status.WaitTestReport, deadline)
}

// external waits for the report of a task ferry does not run itself.
func (p *pass) external(run *status.Run, task *stages.Task) taskOutcome {
	if r := p.takeReport(func(r *status.Report) bool {
		return r.Kind == status.ReportTask && r.Run == run.ID && r.Task == task.Name
	}); r != nil {
		return done(r.Result, "reported "+r.Result)
	}
	deadline := run.TaskStarted.Add(p.opts.Timeout)
	if !p.in.now.Before(deadline) {
		return done(stages.ResultFail, fmt.Sprintf("no report for task %s of run %s within %s", task.Name, run.ID, p.opts.Timeout))
	}
	return p.wait(run, status.WaitReport, deadline)
}

// evaluate runs the quality gate over the test window, or over the
// timeframe after the deployment, never judging the previous version.
func (p *pass) evaluate(slot *status.Slot, run *status.Run, proj *stages.Project, task *stages.Task) (taskOutcome, error) {
	window := evaluator.Window{Start: run.TestStart, End: run.TestEnd}
	if run.TestEnd.IsZero() {
		start, end := run.EvaluationWindow(task.DurationProperty("timeframe", DefaultTimeframe))
		window = evaluator.Window{Start: start, End: end}
		if p.in.now.Before(window.End) {
			return p.wait(run, status.WaitWindow, window.End), nil
		}
	}
	rec, pending, err := p.gate(proj, slot.Stage, slot.Service, run.Candidate, window, run.ID)
	switch {
	case err != nil:
		return taskOutcome{}, err
	case pending:
		return p.wait(run, status.WaitQueries, run.TaskStarted.Add(evaluator.DefaultBackgroundTimeout)), nil
	case rec == nil:
		return done(stages.ResultPass, "no SLO: the gate passes with score 0 (Keptn's rule)"), nil
	}
	if err := p.keep(rec, cmp.Or(run.StageCommit, run.Candidate), run.Candidate, run.ID, run.ID); err != nil {
		return taskOutcome{}, err
	}
	p.evaluated = append(p.evaluated, [2]string{slot.Stage, rec.Result})
	score := rec.Score
	run.Score = &score
	slot.Gate = &status.Gate{Candidate: run.Candidate, Run: run.ID, Result: rec.Result, Score: rec.Score, At: p.in.now}
	if d := slot.Deployed; d != nil && d.Candidate == run.Candidate {
		d.Verdict, d.Score = rec.Result, &score
	}
	msg := "score " + fmtScore(rec.Score)
	if rec.Message != "" {
		msg += ": " + rec.Message
	}
	return done(rec.Result, msg), nil
}

// gate evaluates the SLO of a service in a stage, read at candidate, over
// a window, against the stage's recorded history, in the background: a
// slow SLI source holds the pass at most Options.GateWait, then the gate is
// pending and asked again later. A nil record means the stage has no SLO.
func (p *pass) gate(proj *stages.Project, stage, svc, candidate string, w evaluator.Window, key string) (*evaluator.Record, bool, error) {
	req, hasSLO, err := proj.GateRequest(svc, stage, w, candidate)
	if err != nil || !hasSLO {
		return nil, false, err
	}
	build := func() (evaluator.Request, error) { // once, when the evaluation starts
		records, err := evaluator.History(p.batch.Reader, p.batch.Tip(p.statusRef), stage, svc, 0)
		req.History = evaluator.AsPrevious(records)
		return req, err
	}
	e := &evaluator.Evaluator{Querier: p.opts.Querier, Now: func() time.Time { return p.in.now }}
	rec, ok, err := p.gates.Evaluate(key+" "+w.End.String(), e, build, p.gateWait)
	if err != nil {
		return nil, false, fmt.Errorf("read the evaluation history: %w", err)
	} else if !ok {
		p.wake(p.in.now.Add(time.Second))
	}
	return rec, !ok, nil
}

// keep stamps a gate's record with what it judged and appends it to the ledger.
func (p *pass) keep(rec *evaluator.Record, commit, candidate, run, id string) error {
	rec.Commit, rec.Candidate, rec.Run, rec.ID = commit, candidate, run, evaluator.NewID(p.in.now, id)
	if err := evaluator.Append(p.batch, p.statusRef, rec); err != nil {
		return fmt.Errorf("record the evaluation: %w", err)
	}
	return nil
}
