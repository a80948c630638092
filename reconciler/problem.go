package reconciler

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/remediator"
	"github.com/ferrycd/ferry/stages"
)

// Problem states.
const (
	ProblemOpen      = "open"
	ProblemClosed    = "closed"
	ProblemEscalated = "escalated"
)

// Report kinds of alerts.
const (
	// ReportAlert: an alert fired for Service in Stage; Task holds the
	// problem type (the alert name), Message its title.
	ReportAlert = "alert"
	// ReportAlertResolved: the alert stopped firing.
	ReportAlertResolved = "alert-resolved"
)

const problemsDir = "problems"

// Problem is a remediation in Git: problems/<id>.yaml on ferry/status.
type Problem struct {
	ID          string    `yaml:"id"`
	Stage       string    `yaml:"stage"`
	Service     string    `yaml:"service"`
	ProblemType string    `yaml:"problemType"`
	Title       string    `yaml:"title,omitempty"`
	Status      string    `yaml:"status"`
	Opened      time.Time `yaml:"opened"`
	Ended       time.Time `yaml:"ended,omitempty"`
	// Candidate is what was deployed in the stage when the problem opened;
	// its remediation file lists the actions.
	Candidate string `yaml:"candidate,omitempty"`
	// AlertResolved is set when the alert stopped firing; the problem
	// still closes only after the SLO check passes.
	AlertResolved bool `yaml:"alertResolved,omitempty"`
	// Actions taken, in order; the last may be in flight.
	Actions []*ProblemAction `yaml:"actions,omitempty"`
	Message string           `yaml:"message,omitempty"`
}

// ProblemAction is one remediation action and what came of it.
type ProblemAction struct {
	Index      int       `yaml:"index"`
	Action     string    `yaml:"action"`
	Name       string    `yaml:"name,omitempty"`
	Change     string    `yaml:"change,omitempty"`
	Commit     string    `yaml:"commit,omitempty"`
	Started    time.Time `yaml:"started"`
	DeployedAt time.Time `yaml:"deployedAt,omitempty"`
	Waiting    string    `yaml:"waiting,omitempty"`
	Until      time.Time `yaml:"until,omitempty"`
	Result     string    `yaml:"result,omitempty"`
	Score      *float64  `yaml:"score,omitempty"`
}

func problemPath(id string) string { return path.Join(problemsDir, id+".yaml") }

// loadProblems reads the open problems on ferry/status.
func loadProblems(rd gitstore.Reader, status gitstore.Hash) ([]*Problem, map[string]string, error) {
	raw := map[string]string{}
	if status.IsZero() {
		return nil, raw, nil
	}
	names, err := rd.ListDir(status, problemsDir)
	if err != nil {
		return nil, nil, err
	}
	var out []*Problem
	for _, n := range names {
		data, err := rd.ReadFile(status, path.Join(problemsDir, n))
		if err != nil {
			return nil, nil, err
		}
		var pr Problem
		if err := yaml.Unmarshal(data, &pr); err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", n, err)
		}
		raw[pr.ID] = string(data)
		if pr.Status == ProblemOpen {
			out = append(out, &pr)
		}
	}
	return out, raw, nil
}

// openProblems turns alert reports into problems: one open problem per
// (stage, service, problem type); repeats change nothing.
func (p *pass) openProblems() {
	for _, r := range p.reports {
		if r.Kind != ReportAlert && r.Kind != ReportAlertResolved || p.consumed[r.file] {
			continue
		}
		p.consumed[r.file] = true
		existing := p.problemFor(r.Stage, r.Service, r.Task)
		if r.Kind == ReportAlertResolved {
			if existing != nil && !existing.AlertResolved {
				existing.AlertResolved = true
				p.transitions++
			}
			continue
		}
		if existing != nil {
			continue
		}
		slot := p.state.Slots[slotKey(r.Stage, r.Service)]
		if slot == nil || slot.Released == nil {
			p.logf("alert %s for %s in %s: nothing released there; ignored", r.Task, r.Service, r.Stage)
			continue
		}
		id := fmt.Sprintf("%s-%s-%s-%s", r.Stage, r.Service, sanitize(r.Task), p.now.Format("20060102T150405Z"))
		pr := &Problem{
			ID: id, Stage: r.Stage, Service: r.Service, ProblemType: r.Task, Title: r.Message,
			Status: ProblemOpen, Opened: p.now, Candidate: slot.Released.Candidate,
		}
		p.problems = append(p.problems, pr)
		p.transitions++
		p.logf("problem %s opened: %s", id, r.Message)
	}
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return '-'
	}, s)
}

func (p *pass) problemFor(stage, svc, typ string) *Problem {
	for _, pr := range p.problems {
		if pr.Stage == stage && pr.Service == svc && pr.ProblemType == typ && pr.Status == ProblemOpen {
			return pr
		}
	}
	return nil
}

// remediating reports whether a problem is open for a service in a stage:
// promotions into the stage wait meanwhile.
func (p *pass) remediating(stage, svc string) *Problem {
	for _, pr := range p.problems {
		if pr.Stage == stage && pr.Service == svc && pr.Status == ProblemOpen {
			return pr
		}
	}
	return nil
}

// remediate advances every open problem.
func (p *pass) remediate(ctx context.Context) error {
	for _, pr := range p.problems {
		if pr.Status != ProblemOpen {
			continue
		}
		for range maxStepsPerSlot {
			more, err := p.remediateStep(ctx, pr)
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
func (p *pass) remediateStep(ctx context.Context, pr *Problem) (bool, error) {
	proj, err := p.r.project(p.store.Reader, hashOf(pr.Candidate))
	if err != nil {
		p.endProblem(pr, ProblemEscalated, "the remediation file cannot be read: "+firstLine(err))
		return false, nil
	}
	if tip, err := p.r.project(p.store.Reader, p.mainTip); err == nil {
		if h := tip.HoldOn(pr.Service, pr.Stage, p.now); h != nil && h.Remediation {
			p.wake(h.UntilTime())
			return false, nil // a hold that says so stops remediation too
		}
	}
	var cur *ProblemAction
	if n := len(pr.Actions); n > 0 && pr.Actions[n-1].Result == "" {
		cur = pr.Actions[n-1]
	}
	if cur == nil {
		return p.startAction(pr, proj)
	}
	return p.checkAction(ctx, pr, cur, proj)
}

// startAction commits the next action of the remediation file, or ends
// the problem when none is left.
func (p *pass) startAction(pr *Problem, proj *stages.Project) (bool, error) {
	rem := proj.Remediation(pr.Service, pr.Stage)
	var actions []*remediator.Action
	if rem != nil {
		actions = rem.Actions("", pr.ProblemType)
	}
	i := len(pr.Actions)
	if i >= len(actions) {
		p.endProblem(pr, ProblemEscalated, fmt.Sprintf("no action left after %d: escalated", i))
		return false, nil
	}
	a := actions[i]
	pa := &ProblemAction{Index: i, Action: a.Action, Name: a.Name, Started: p.now}
	pr.Actions = append(pr.Actions, pa)
	p.transitions++
	slot := p.state.slot(pr.Stage, pr.Service)
	switch a.Kind() {
	case remediator.ActionEscalate:
		pa.Result = stages.ResultPass
		p.endProblem(pr, ProblemEscalated, "escalated by the remediation file")
		return false, nil
	case remediator.ActionScaling, remediator.ActionToggleFeature:
		if err := p.commitAction(pr, pa, a, proj, i, len(actions)); err != nil {
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
		run := &Run{ID: pr.ID, Candidate: pr.Candidate}
		out, err := p.rollback(slot, run)
		slot.Released = cur
		if err != nil {
			return false, err
		}
		pa.Change, pa.Commit = out.msg, p.batch.Tip(p.store.StageRef(pr.Stage)).String()
	default:
		pa.Waiting, pa.Until = waitReport, p.now.Add(p.r.opts.Timeout)
		return false, nil
	}
	pa.Waiting, pa.Until = waitDeployed, p.now.Add(proj.Config.SettleTime())
	p.wake(pa.Until)
	return false, nil
}

// commitAction edits overrides.yaml (scaling, togglefeature), re-renders
// and commits to the stage branch.
func (p *pass) commitAction(pr *Problem, pa *ProblemAction, a *remediator.Action, proj *stages.Project, i, n int) error {
	ref := p.store.StageRef(pr.Stage)
	overrides, err := p.overrides(ref, pr.Service)
	if err != nil {
		return err
	}
	if overrides == nil {
		overrides = map[string]any{}
	}
	key := proj.Config.Remediation.ReplicasKey
	switch a.Kind() {
	case remediator.ActionScaling:
		cur := 1
		if v, ok := toInt(proj.Values(pr.Service, pr.Stage, overrides)[key]); ok {
			cur = v
		}
		next, err := scale(cur, fmt.Sprint(a.Value))
		if err != nil {
			return err
		}
		if lo := proj.Config.Remediation.MinReplicas; lo > 0 && next < lo {
			next = lo
		}
		if hi := proj.Config.Remediation.MaxReplicas; hi > 0 && next > hi {
			next = hi
		}
		if next == cur {
			return fmt.Errorf("%s stays %d: the scaling bounds of ferry.yaml allow no change", key, cur)
		}
		overrides[key] = next
		pa.Change = fmt.Sprintf("%s %d → %d", key, cur, next)
	case remediator.ActionToggleFeature:
		m, _ := a.Value.(map[string]any)
		var parts []string
		for _, k := range sortedKeys(m) {
			overrides[k] = m[k]
			parts = append(parts, fmt.Sprintf("%s=%v", k, m[k]))
		}
		pa.Change = strings.Join(parts, ", ")
	}
	manifests, err := proj.Render(pr.Service, pr.Stage, overrides)
	if err != nil {
		return err
	}
	dir := path.Join(stages.ServicesDir, pr.Service)
	c, err := p.batch.Commit(ref, gitstore.CommitRequest{
		Message: fmt.Sprintf("remediate %s in %s: %s\n\nProblem %s (%s), action %d of %d: %s.",
			pr.Service, pr.Stage, pa.Change, pr.ID, pr.ProblemType, i+1, n, a.Action),
		Trailers: gitstore.Trailers{
			{Key: "Ferry-Service", Value: pr.Service},
			{Key: "Ferry-Stage", Value: pr.Stage},
			{Key: "Ferry-Candidate", Value: pr.Candidate},
			{Key: "Ferry-Task", Value: "action"},
			{Key: "Ferry-Problem", Value: pr.ID},
		},
		Edits: []gitstore.Edit{
			gitstore.Put(dir+"/overrides.yaml", marshalYAML(overrides)),
			gitstore.Put(dir+"/manifests.yaml", manifests),
		},
	})
	if err != nil {
		return err
	}
	pa.Commit = c.String()
	p.logf("problem %s: %s %s (%s)", pr.ID, a.Action, pa.Change, short(pa.Commit))
	return nil
}

// checkAction waits for the action to be deployed and its delay, then
// evaluates the stage's SLO over the time since: pass closes the problem,
// fail moves to the next action.
func (p *pass) checkAction(ctx context.Context, pr *Problem, pa *ProblemAction, proj *stages.Project) (bool, error) {
	switch pa.Waiting {
	case waitReport:
		if r := p.takeReport(func(r *Report) bool { return r.Kind == ReportTask && r.Run == pr.ID && r.Task == pa.Action }); r != nil {
			pa.Waiting, pa.DeployedAt = waitWindow, p.now
			pa.Until = p.now.Add(p.remediationDelay(proj, pr.Stage))
			return true, nil
		}
		if !p.now.Before(pa.Until) {
			pa.Result = stages.ResultFail
			return true, nil
		}
		p.wake(pa.Until)
		return false, nil
	case waitDeployed:
		r, err := p.deployedReport(pr.Stage, pa.Commit)
		if err != nil {
			return false, err
		}
		if r == nil && p.now.Before(pa.Until) {
			p.wake(pa.Until)
			return false, nil
		}
		if r != nil && r.Healthy != nil && !*r.Healthy {
			pa.Result = stages.ResultFail
			return true, nil
		}
		pa.DeployedAt = p.now
		pa.Waiting, pa.Until = waitWindow, p.now.Add(p.remediationDelay(proj, pr.Stage))
		p.transitions++
		return true, nil
	case waitWindow:
		if p.now.Before(pa.Until) {
			p.wake(pa.Until)
			return false, nil
		}
		rec, err := p.evaluateProblem(ctx, pr, pa, proj)
		if err != nil {
			return false, err
		}
		score := rec.Score
		pa.Score, pa.Result, pa.Waiting = &score, rec.Result, ""
		p.transitions++
		if rec.Result != stages.ResultFail {
			p.endProblem(pr, ProblemClosed, fmt.Sprintf("the SLO passed after %s %s (score %s)", pa.Action, pa.Change, fmtScore(score)))
			return false, nil
		}
		return true, nil
	}
	return false, nil
}

// remediationDelay is the triggeredAfter of the evaluation in the stage's
// remediation sequence (Keptn's way to let an action take effect), else
// one minute.
func (p *pass) remediationDelay(proj *stages.Project, stage string) time.Duration {
	if st := proj.Shipyard.Stage(stage); st != nil {
		for _, q := range st.Sequences {
			if !q.HasTask("get-action") && !q.HasTask("action") {
				continue
			}
			for i := range q.Tasks {
				if q.Tasks[i].Name == "evaluation" && q.Tasks[i].Delay() > 0 {
					return q.Tasks[i].Delay()
				}
			}
		}
	}
	return time.Minute
}

func (p *pass) evaluateProblem(ctx context.Context, pr *Problem, pa *ProblemAction, proj *stages.Project) (*evaluator.Record, error) {
	slo, file := proj.SLO(pr.Service, pr.Stage)
	if slo == nil {
		return &evaluator.Record{Result: stages.ResultPass, Message: "no SLO"}, nil
	}
	content, err := p.store.ReadFile(hashOf(pr.Candidate), file)
	if err != nil {
		return nil, err
	}
	records, err := evaluator.History(p.batch.Reader, p.batch.Tip(p.statusRef), pr.Stage, pr.Service, 0)
	if err != nil {
		return nil, err
	}
	e := &evaluator.Evaluator{Querier: p.r.querier(), Now: func() time.Time { return p.now }}
	rec := e.Evaluate(ctx, evaluator.Request{
		Placeholders: evaluator.Placeholders{
			Project: proj.Name, Stage: pr.Stage, Service: pr.Service,
			Deployment: proj.DeploymentName(pr.Stage), Window: evaluator.Window{Start: pa.DeployedAt, End: p.now}, Filter: slo.Filter,
		},
		SLO: slo, SLOSource: evaluator.SLOSource{File: file, Commit: pr.Candidate, Content: string(content)},
		Indicators: proj.SLIs(pr.Service, pr.Stage), History: evaluator.AsPrevious(records),
	})
	rec.Commit, rec.Candidate, rec.Run = pa.Commit, pr.Candidate, pr.ID
	if rec.Commit == "" {
		rec.Commit = p.batch.Tip(p.store.StageRef(pr.Stage)).String()
	}
	rec.ID = evaluator.NewID(p.now, pr.ID+"-a"+strconv.Itoa(pa.Index))
	if err := evaluator.Append(p.batch, p.statusRef, rec); err != nil {
		return nil, err
	}
	return rec, nil
}

func (p *pass) endProblem(pr *Problem, status, msg string) {
	pr.Status, pr.Message, pr.Ended = status, msg, p.now
	p.transitions++
	p.logf("problem %s %s: %s", pr.ID, status, msg)
	if status == ProblemEscalated && p.r.opts.Notifier != nil {
		n := Notification{
			Event: EventProblemEscalated, Stage: pr.Stage, Service: pr.Service, Candidate: pr.Candidate,
			Run: pr.ID, Message: pr.ProblemType + ": " + msg, Time: p.now,
		}
		notifier := p.r.opts.Notifier
		p.after = append(p.after, func(*Metrics) { notifier.Notify(n) })
	}
}

// writeProblems returns the edits of changed problems.
func (p *pass) writeProblems() []gitstore.Edit {
	var edits []gitstore.Edit
	sort.Slice(p.problems, func(i, j int) bool { return p.problems[i].ID < p.problems[j].ID })
	for _, pr := range p.problems {
		data := marshalYAML(pr)
		if p.problemRaw[pr.ID] != string(data) {
			edits = append(edits, gitstore.Put(problemPath(pr.ID), data))
		}
	}
	return edits
}

// scale applies a scaling value: +N, -N, +N%, -N%, =N, or a bare N (+N).
func scale(cur int, v string) (int, error) {
	v = strings.TrimSpace(v)
	switch {
	case strings.HasPrefix(v, "="):
		n, err := strconv.Atoi(v[1:])
		return max(n, 0), err
	case strings.HasSuffix(v, "%"):
		pct, err := strconv.Atoi(strings.TrimSuffix(v, "%"))
		if err != nil {
			return cur, err
		}
		delta := cur * pct / 100
		if delta == 0 && pct != 0 {
			delta = pct / abs(pct)
		}
		return max(cur+delta, 0), nil
	}
	n, err := strconv.Atoi(v)
	return max(cur+n, 0), err
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case float64:
		return int(x), true
	}
	return 0, false
}
