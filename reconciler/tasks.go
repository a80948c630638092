package reconciler

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/remediator"
	"github.com/ferrycd/ferry/stages"
)

// maxHistorySearch bounds the walk of a stage branch for a run's commit.
const maxHistorySearch = 200

// deploy renders the candidate and commits it to the stage branch, then
// waits until a report says it is applied, or until the settle time.
func (p *pass) deploy(slot *Slot, run *Run, proj *stages.Project, task *stages.Task) (taskOutcome, error) {
	stageRef := p.store.StageRef(slot.Stage)
	if run.StageCommit == "" {
		// A run's deployment commit is pushed with its state, atomically;
		// only a proposal's commit reaches the branch another way.
		if run.Proposed {
			c, err := p.findRunCommit(stageRef, run.ID)
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
			p.after = append(p.after, func(m *Metrics) { m.observeDeployment(slot.Stage) })
			p.progress(run.Candidate, fmt.Sprintf("%s: deployed %s as %s", slot.Stage, slot.Service, short(c)))
		}
		settle := proj.Config.SettleTime()
		if s := task.Property("settle"); s != "" {
			if d, err := time.ParseDuration(s); err == nil {
				settle = d
			}
		}
		return p.wait(run, waitDeployed, p.now.Add(settle)), nil
	}
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
		return done(stages.ResultPass, "applied: "+r.Message), nil
	}
	if !p.now.Before(run.Until) {
		run.DeployedAt = run.Until
		return done(stages.ResultPass, "settled"), nil
	}
	return p.wait(run, waitDeployed, run.Until), nil
}

// commitDeployment writes the rendered manifests and the release record of
// a run as one commit on ref.
func (p *pass) commitDeployment(ref string, slot *Slot, run *Run, proj *stages.Project) (string, error) {
	edits, err := p.deploymentEdits(ref, slot, run, proj)
	if err != nil {
		return "", err
	}
	c, err := p.batch.Commit(ref, gitstore.CommitRequest{
		Message:    deploymentMessage(slot, run),
		Trailers:   p.trailers(slot, run, "deployment"),
		Edits:      edits,
		AllowEmpty: true,
	})
	if err != nil {
		return "", fmt.Errorf("commit deployment: %w", err)
	}
	return c.String(), nil
}

func deploymentMessage(slot *Slot, run *Run) string {
	return fmt.Sprintf("deploy %s %s to %s", slot.Service, pinOrCommit(run), slot.Stage)
}

// deploymentEdits renders a run's candidate with the runtime overrides of
// the stage branch ref.
func (p *pass) deploymentEdits(ref string, slot *Slot, run *Run, proj *stages.Project) ([]gitstore.Edit, error) {
	overrides, err := p.overrides(ref, slot.Service)
	if err != nil {
		return nil, err
	}
	manifests, err := proj.Render(slot.Service, slot.Stage, overrides)
	if err != nil {
		return nil, err
	}
	release := map[string]any{
		"service": slot.Service, "stage": slot.Stage, "candidate": run.Candidate,
		"run": run.ID, "sequence": run.Sequence, "pin": run.Pin,
	}
	if run.TriggeredBy != "" {
		release["triggeredBy"] = run.TriggeredBy
	}
	dir := path.Join(stages.ServicesDir, slot.Service)
	edits := []gitstore.Edit{
		gitstore.Put(dir+"/manifests.yaml", manifests),
		gitstore.Put(dir+"/release.yaml", marshalYAML(release)),
	}
	rules, err := proj.AlertRules(slot.Service, slot.Stage)
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	if len(rules) == 0 {
		return append(edits, gitstore.Delete(dir+"/alerts.yaml")), nil
	}
	alerts, err := remediator.PrometheusRule(slot.Service+"-slo", proj.Namespace(slot.Stage), stages.AlertRuleGroup(slot.Service, slot.Stage), rules)
	if err != nil {
		return nil, err
	}
	return append(edits, gitstore.Put(dir+"/alerts.yaml", alerts)), nil
}

func pinOrCommit(run *Run) string {
	if run.Pin != "" {
		return run.Pin
	}
	return short(run.Candidate)
}

func (p *pass) trailers(slot *Slot, run *Run, task string) gitstore.Trailers {
	t := gitstore.Trailers{
		{Key: "Ferry-Service", Value: slot.Service},
		{Key: "Ferry-Stage", Value: slot.Stage},
		{Key: "Ferry-Candidate", Value: run.Candidate},
		{Key: "Ferry-Run", Value: run.ID},
		{Key: "Ferry-Task", Value: task},
	}
	if run.Score != nil {
		t = append(t, gitstore.Trailer{Key: "Ferry-Verdict", Value: worst(run.Results) + " " + fmtScore(*run.Score)})
	}
	return t
}

// overrides reads the runtime values remediation wrote for a service.
func (p *pass) overrides(ref, svc string) (map[string]any, error) {
	tip := p.batch.Tip(ref)
	if tip.IsZero() {
		return nil, nil
	}
	data, err := p.batch.ReadFile(tip, path.Join(stages.ServicesDir, svc, "overrides.yaml"))
	if gitstore.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("read overrides of %s: %w", svc, err)
	}
	return m, nil
}

// findRunCommit looks for the commit of a run on a branch (by its
// Ferry-Run trailer), through merges, within the last commits.
func (p *pass) findRunCommit(ref, runID string) (string, error) {
	tip := p.batch.Tip(ref)
	queue := []gitstore.Hash{}
	if !tip.IsZero() {
		queue = append(queue, tip)
	}
	seen := map[gitstore.Hash]bool{}
	for len(queue) > 0 && len(seen) < maxHistorySearch {
		h := queue[0]
		queue = queue[1:]
		if seen[h] {
			continue
		}
		seen[h] = true
		c, err := p.batch.Reader.Commit(h)
		if err != nil {
			return "", err
		}
		if v, _ := c.Trailers.Get("Ferry-Run"); v == runID {
			if t, _ := c.Trailers.Get("Ferry-Task"); t == "deployment" {
				return h.String(), nil
			}
		}
		queue = append(queue, c.Parents...)
	}
	return "", nil
}

// test waits for the test duration, or for the test report of the run.
func (p *pass) test(run *Run, task *stages.Task) taskOutcome {
	if s := task.Property("duration"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return done(stages.ResultFail, "duration: "+err.Error())
		}
		end := run.TaskStarted.Add(d)
		if p.now.Before(end) {
			return p.wait(run, waitTest, end)
		}
		run.TestStart, run.TestEnd = run.TaskStarted, end
		return done(stages.ResultPass, "test time over")
	}
	if r := p.takeReport(func(r *Report) bool { return r.Kind == ReportTest && r.Run == run.ID }); r != nil {
		run.TestStart, run.TestEnd = r.Start, r.End
		if run.TestStart.IsZero() {
			run.TestStart = run.TaskStarted
		}
		if run.TestEnd.IsZero() {
			run.TestEnd = r.Received
		}
		return done(r.Result, "test reported "+r.Result)
	}
	deadline := run.TaskStarted.Add(p.r.opts.Timeout)
	if !p.now.Before(deadline) {
		return done(stages.ResultFail, fmt.Sprintf("no test report for run %s within %s", run.ID, p.r.opts.Timeout))
	}
	return p.wait(run, waitTest, deadline)
}

// evaluate runs the quality gate over the test window, or over the
// timeframe after the deployment, never judging the previous version.
func (p *pass) evaluate(ctx context.Context, slot *Slot, run *Run, proj *stages.Project, task *stages.Task) (taskOutcome, error) {
	window := evaluator.Window{Start: run.TestStart, End: run.TestEnd}
	if run.TestEnd.IsZero() {
		tf := DefaultTimeframe
		if s := task.Property("timeframe"); s != "" {
			if d, err := time.ParseDuration(s); err == nil {
				tf = d
			}
		}
		start := run.DeployedAt
		if start.IsZero() || start.Before(run.TaskStarted.Add(-tf)) {
			start = run.TaskStarted.Add(-tf)
			if !run.DeployedAt.IsZero() && start.Before(run.DeployedAt) {
				start = run.DeployedAt
			}
		}
		window = evaluator.Window{Start: start, End: start.Add(tf)}
		if p.now.Before(window.End) {
			return p.wait(run, waitWindow, window.End), nil
		}
	}
	slo, file := proj.SLO(slot.Service, slot.Stage)
	if slo == nil {
		return done(stages.ResultPass, "no SLO: the gate passes with score 0 (Keptn's rule)"), nil
	}
	content, err := p.store.ReadFile(hashOf(run.Candidate), file)
	if err != nil {
		return taskOutcome{}, err
	}
	records, err := evaluator.History(p.batch.Reader, p.batch.Tip(p.statusRef), slot.Stage, slot.Service, 0)
	if err != nil {
		return taskOutcome{}, err
	}
	e := &evaluator.Evaluator{Querier: p.r.querier(), Now: func() time.Time { return p.now }}
	rec := e.Evaluate(ctx, evaluator.Request{
		Placeholders: evaluator.Placeholders{
			Project: proj.Name, Stage: slot.Stage, Service: slot.Service,
			Deployment: proj.DeploymentName(slot.Stage), Window: window, Filter: slo.Filter,
		},
		SLO: slo, SLOSource: evaluator.SLOSource{File: file, Commit: run.Candidate, Content: string(content)},
		Indicators: proj.SLIs(slot.Service, slot.Stage), History: evaluator.AsPrevious(records),
	})
	rec.Commit, rec.Candidate, rec.Run = run.StageCommit, run.Candidate, run.ID
	if rec.Commit == "" {
		rec.Commit = run.Candidate
	}
	rec.ID = evaluator.NewID(p.now, run.ID)
	if err := evaluator.Append(p.batch, p.statusRef, rec); err != nil {
		return taskOutcome{}, err
	}
	p.after = append(p.after, func(m *Metrics) { m.observeEvaluation(slot.Stage, rec.Result) })
	score := rec.Score
	run.Score = &score
	slot.Gate = &Gate{Candidate: run.Candidate, Run: run.ID, Result: rec.Result, Score: rec.Score, At: p.now}
	msg := "score " + fmtScore(rec.Score)
	if rec.Message != "" {
		msg += ": " + rec.Message
	}
	return done(rec.Result, msg), nil
}

// errNoPrometheus is the reason of every value when no SLI source is set.
var errNoPrometheus = errors.New("no Prometheus is configured (--prometheus-url)")

type noQuerier struct{}

func (noQuerier) Query(context.Context, string, time.Time) (float64, error) {
	return 0, errNoPrometheus
}

func (r *Reconciler) querier() evaluator.Querier {
	if r.opts.Querier == nil {
		return noQuerier{}
	}
	return r.opts.Querier
}

// approve applies the approval task: automatic, or manual through a
// proposal branch whose merge into the stage branch is the approval. A
// failed gate is never approved.
func (p *pass) approve(ctx context.Context, slot *Slot, run *Run, proj *stages.Project, task *stages.Task) (taskOutcome, error) {
	results := map[string]string{"gate": run.Gate}
	for k, v := range run.Results {
		results[k] = v
	}
	verdict := worst(results)
	if verdict == stages.ResultFail {
		return done(stages.ResultFail, "a failed gate is never approved"), nil
	}
	mode := task.Property(verdict)
	if mode != "manual" {
		return done(stages.ResultPass, "approved automatically ("+verdict+")"), nil
	}
	stageRef := p.store.StageRef(slot.Stage)
	proposal := p.store.FerryRef("proposals/" + slot.Stage + "/" + slot.Service)
	if run.Waiting != waitApproval {
		p.batch.SetRef(proposal, p.batch.Tip(stageRef))
		run.ProposalBase = p.batch.Tip(stageRef).String()
		c, err := p.commitDeployment(proposal, slot, run, proj)
		if err != nil {
			return done(stages.ResultFail, err.Error()), nil
		}
		run.Proposed = true
		p.progress(run.Candidate, fmt.Sprintf("%s: waiting for approval of %s: merge %s (%s) into %s",
			slot.Stage, slot.Service, proposal, short(c), stageRef))
		p.notify(slot, run, EventApprovalNeeded, fmt.Sprintf("%s gate result needs a person's approval", verdict), func(n *Notification) {
			n.Proposal, n.Commit = strings.TrimPrefix(proposal, "refs/heads/"), c
		})
		return p.wait(run, waitApproval, run.TaskStarted.Add(p.r.opts.Timeout)), nil
	}
	rejected := p.pullRequest(ctx, slot, run, proposal, stageRef)
	c, err := p.findRunCommit(stageRef, run.ID)
	if err != nil {
		return taskOutcome{}, err
	}
	if c != "" {
		run.StageCommit = c
		if run.Approver == "" {
			run.Approver = p.approver(stageRef, c)
		}
		p.batch.SetRef(proposal, gitstore.ZeroHash)
		p.progress(run.Candidate, fmt.Sprintf("%s: %s approved by %s", slot.Stage, slot.Service, run.Approver))
		return done(stages.ResultPass, "approved by "+run.Approver), nil
	}
	if p.batch.Tip(proposal).IsZero() {
		return done(stages.ResultFail, "the proposal branch was deleted: not approved"), nil
	}
	if rejected {
		p.batch.SetRef(proposal, gitstore.ZeroHash)
		return done(stages.ResultFail, "the pull request was closed: not approved"), nil
	}
	if p.newerWaiting(slot, run, proj) {
		p.batch.SetRef(proposal, gitstore.ZeroHash)
		return done(resultSuperseded, "the proposal was withdrawn: a newer candidate waits (concurrency latest)"), nil
	}
	if tip := p.batch.Tip(stageRef).String(); run.ProposalBase != "" && tip != run.ProposalBase {
		if err := p.rebuildProposal(proposal, stageRef, slot, run, proj); err != nil {
			return done(stages.ResultFail, "rebuild the stale proposal: "+err.Error()), nil //nolint:nilerr // the task fails with the reason; the pass goes on
		}
	}
	if !p.now.Before(run.Until) {
		p.batch.SetRef(proposal, gitstore.ZeroHash)
		return done(stages.ResultFail, "no approval within "+p.r.opts.Timeout.String()), nil
	}
	return waiting(), nil
}

// resultSuperseded ends a run that a newer candidate replaced; no trigger
// matches it.
const resultSuperseded = "superseded"

// newerWaiting reports whether, under concurrency latest, a newer
// candidate waits for the same sequence.
func (p *pass) newerWaiting(slot *Slot, run *Run, proj *stages.Project) bool {
	if proj.Config.Concurrency(slot.Stage) != stages.ConcurrencyLatest {
		return false
	}
	for _, q := range slot.Queue {
		if q.Sequence == run.Sequence {
			return true
		}
	}
	return false
}

// rebuildProposal brings a waiting proposal up to date with a stage branch
// that moved: a new commit on the proposal branch merging the stage tip,
// with the deployment rendered on top of it. The proposal branch only ever
// moves forward.
func (p *pass) rebuildProposal(proposal, stageRef string, slot *Slot, run *Run, proj *stages.Project) error {
	tip := p.batch.Tip(stageRef)
	base, err := p.batch.Reader.Commit(tip)
	if err != nil {
		return err
	}
	edits, err := p.deploymentEdits(stageRef, slot, run, proj)
	if err != nil {
		return err
	}
	tree, err := p.batch.WriteTree(base.Tree, edits)
	if err != nil {
		return err
	}
	c, err := p.batch.CreateCommit(tree, []gitstore.Hash{p.batch.Tip(proposal), tip}, gitstore.CommitRequest{
		Message:  deploymentMessage(slot, run) + "\n\nRebuilt on top of " + strings.TrimPrefix(stageRef, "refs/heads/") + " " + short(tip.String()) + ".",
		Trailers: p.trailers(slot, run, "deployment"),
	})
	if err != nil {
		return err
	}
	p.batch.SetRef(proposal, c)
	run.ProposalBase = tip.String()
	p.transitions++
	p.progress(run.Candidate, fmt.Sprintf("%s: proposal for %s rebuilt on top of %s", slot.Stage, slot.Service, short(tip.String())))
	return nil
}

// approver names who merged commit c into the stage branch: the author of
// the merge commit that brought it, else (a fast-forward or a squash) the
// committer of the commit itself.
func (p *pass) approver(ref, c string) string {
	h := p.batch.Tip(ref)
	for range maxHistorySearch {
		commit, err := p.batch.Reader.Commit(h)
		if err != nil {
			break
		}
		if h.String() == c {
			return signature(commit.Committer.Name, commit.Committer.Email)
		}
		for _, parent := range commit.Parents[min(1, len(commit.Parents)):] {
			if parent.String() == c {
				return signature(commit.Author.Name, commit.Author.Email)
			}
		}
		if len(commit.Parents) == 0 {
			break
		}
		h = commit.Parents[0]
	}
	return "unknown"
}

func signature(name, email string) string { return fmt.Sprintf("%s <%s>", name, email) }

// rollback restores the stage's last released state of the service as a
// forward commit.
func (p *pass) rollback(slot *Slot, run *Run) (taskOutcome, error) {
	stageRef := p.store.StageRef(slot.Stage)
	dir := path.Join(stages.ServicesDir, slot.Service)
	edits := []gitstore.Edit{gitstore.Delete(dir)}
	to := "nothing (no release yet)"
	if rel := slot.Released; rel != nil {
		files, err := p.batch.ReadDir(hashOf(rel.StageCommit), dir)
		if err != nil && !gitstore.IsNotFound(err) {
			return taskOutcome{}, err
		}
		for name, data := range files {
			edits = append(edits, gitstore.Put(dir+"/"+name, data))
		}
		to = rel.Pin
		if to == "" {
			to = short(rel.Candidate)
		}
	}
	if p.batch.Tip(stageRef).IsZero() {
		return done(stages.ResultPass, "nothing to roll back"), nil
	}
	c, err := p.batch.Commit(stageRef, gitstore.CommitRequest{
		Message:  fmt.Sprintf("roll back %s in %s to %s\n\n%s failed in %s (run %s).", slot.Service, slot.Stage, to, short(run.Candidate), slot.Stage, run.ID),
		Trailers: p.trailers(slot, run, "rollback"),
		Edits:    edits,
	})
	if errors.Is(err, gitstore.ErrNoChange) {
		return done(stages.ResultPass, "already at the last release"), nil
	}
	if err != nil {
		return taskOutcome{}, err
	}
	p.progress(run.Candidate, fmt.Sprintf("%s: rolled %s back to %s (%s)", slot.Stage, slot.Service, to, short(c.String())))
	p.notify(slot, run, EventRolledBack, "rolled back to "+to, func(n *Notification) { n.Commit = c.String() })
	return done(stages.ResultPass, "rolled back to "+to), nil
}

// external waits for the report of a task ferry does not run itself.
func (p *pass) external(run *Run, task *stages.Task) taskOutcome {
	if r := p.takeReport(func(r *Report) bool { return r.Kind == ReportTask && r.Run == run.ID && r.Task == task.Name }); r != nil {
		return done(r.Result, "reported "+r.Result)
	}
	deadline := run.TaskStarted.Add(p.r.opts.Timeout)
	if !p.now.Before(deadline) {
		return done(stages.ResultFail, fmt.Sprintf("no report for task %s of run %s within %s", task.Name, run.ID, p.r.opts.Timeout))
	}
	return p.wait(run, waitReport, deadline)
}

// deployedReport returns the newest deployed report for the stage whose
// commit is the run's commit or a descendant of it on the stage branch: an
// agent applies a branch's tip, and with it every commit before. Deployed
// reports are not consumed (one covers many runs); they expire after a day.
func (p *pass) deployedReport(stage, commit string) (*Report, error) {
	for i := len(p.reports) - 1; i >= 0; i-- {
		r := p.reports[i]
		if r.Kind != ReportDeployed || r.Stage != stage {
			continue
		}
		if r.Commit == commit {
			return r, nil
		}
		ok, err := p.descends(r.Commit, commit)
		if err != nil {
			return nil, err
		}
		if ok {
			return r, nil
		}
	}
	return nil, nil
}

// noteSignal records a deploy signal in the note on the stage commit it
// concerns, next to the evaluation record that will join it.
func (p *pass) noteSignal(commit string, r *Report) {
	h := hashOf(commit)
	rec := &evaluator.Record{Version: evaluator.RecordVersion, Commit: commit}
	if old, err := p.batch.Note(h); err == nil {
		if prev, err := evaluator.ParseRecord(old); err == nil {
			rec = prev
		}
	}
	state := "applied"
	if r.Healthy != nil && !*r.Healthy {
		state = "failed"
	}
	line := fmt.Sprintf("%s %s %s", r.Received.UTC().Format(time.RFC3339), state, r.Message)
	if r.Commit != commit {
		line += " (at " + short(r.Commit) + ")"
	}
	rec.Signals = append(rec.Signals, line)
	if data, err := rec.Marshal(); err == nil {
		p.batch.SetNote(h, data)
	}
}

// descends reports whether commit from reaches commit to along first
// parents, within the last commits of a stage branch.
func (p *pass) descends(from, to string) (bool, error) {
	h := hashOf(from)
	for range maxHistorySearch {
		c, err := p.batch.Reader.Commit(h)
		if gitstore.IsNotFound(err) {
			return false, nil // a commit the mirror does not have: not ours
		}
		if err != nil {
			return false, err
		}
		if len(c.Parents) == 0 {
			return false, nil
		}
		h = c.Parents[0]
		if h.String() == to {
			return true, nil
		}
	}
	return false, nil
}

// takeReport consumes the oldest report that matches.
func (p *pass) takeReport(match func(*Report) bool) *Report {
	for _, r := range p.reports {
		if !p.consumed[r.file] && match(r) {
			p.consumed[r.file] = true
			return r
		}
	}
	return nil
}

func hashOf(s string) gitstore.Hash { return gitstore.NewHash(s) }
