package status

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fluxcd/pkg/apis/meta"

	"github.com/ferrycd/ferry/gitstore"
)

// Summary is status.json: what runs where, what is in flight and what it
// waits for, per stage in shipyard order.
type Summary struct {
	FormatVersion int       `json:"formatVersion"`
	Updated       time.Time `json:"updated"`
	Project       string    `json:"project,omitempty"`
	// Main is the main commit the state was computed from.
	Main       string         `json:"main,omitempty"`
	Conditions []Condition    `json:"conditions"`
	Stages     []StageSummary `json:"stages"`
	// Corrupt lists the files on ferry/status that do not parse.
	Corrupt []*Corruption `json:"corrupt,omitempty"`
}

// Condition is a condition in the shape of metav1.Condition, with the
// types and reasons of fluxcd/pkg/apis/meta.
type Condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  Reason `json:"reason"`
	Message string `json:"message,omitempty"`
}

// StageSummary is one stage.
type StageSummary struct {
	Name     string           `json:"name"`
	Hold     *Hold            `json:"hold,omitempty"`
	Services []ServiceSummary `json:"services"`
}

// Hold is a hold in force.
type Hold struct {
	Reason string    `json:"reason"`
	By     string    `json:"by,omitempty"`
	Until  time.Time `json:"until,omitzero"`
	File   string    `json:"file"`
	// Remediation is set when the hold stops remediation too.
	Remediation bool `json:"remediation,omitempty"`
}

// ServiceSummary is one service in one stage.
type ServiceSummary struct {
	Name string `json:"name"`
	// Deployed is what the stage branch runs now; nil when nothing was
	// deployed yet.
	Deployed *DeployedSummary `json:"deployed"`
	// InFlight is the run under way, or nil.
	InFlight *InFlight `json:"inFlight"`
	// Queued counts the runs waiting behind it.
	Queued int `json:"queued"`
	// Last is the last finished run.
	Last *LastRun `json:"last"`
	// LastGate is the last quality gate verdict in this stage, whatever
	// came of it.
	LastGate   *GateSummary     `json:"lastGate,omitempty"`
	Hold       *Hold            `json:"hold,omitempty"`
	Problems   []ProblemSummary `json:"problems,omitempty"`
	Conditions []Condition      `json:"conditions"`
}

// DeployedSummary is what a stage branch runs.
type DeployedSummary struct {
	Pin         string    `json:"pin,omitempty"`
	Candidate   string    `json:"candidate"`
	Run         string    `json:"run,omitempty"`
	StageCommit string    `json:"stageCommit,omitempty"`
	Verdict     string    `json:"verdict,omitempty"`
	Score       *float64  `json:"score,omitempty"`
	Since       time.Time `json:"since"`
	// RolledBack is set when a rollback restored this release.
	RolledBack bool `json:"rolledBack,omitempty"`
	// Released is set once a release task released it in this stage.
	Released bool `json:"released"`
}

// InFlight is a run under way.
type InFlight struct {
	Run       string `json:"run"`
	Candidate string `json:"candidate"`
	Pin       string `json:"pin,omitempty"`
	Sequence  string `json:"sequence"`
	Task      string `json:"task,omitempty"`
	Phase     Phase  `json:"phase"`
	// WaitingFor says what the run waits for, in words.
	WaitingFor string    `json:"waitingFor,omitempty"`
	Until      time.Time `json:"until,omitzero"`
	// Action is what a person or a tool must do to unblock the run.
	Action      string `json:"action,omitempty"`
	PullRequest string `json:"pullRequest,omitempty"`
	// ForgeError is why the last call to the forge for the run's pull
	// request failed, since ForgeErrorAt; ferry tries again.
	ForgeError   string    `json:"forgeError,omitempty"`
	ForgeErrorAt time.Time `json:"forgeErrorAt,omitzero"`
	Message      string    `json:"message,omitempty"`
	Since        time.Time `json:"since"`
}

// LastRun is a finished run.
type LastRun struct {
	Run       string    `json:"run"`
	Candidate string    `json:"candidate"`
	Pin       string    `json:"pin,omitempty"`
	Sequence  string    `json:"sequence"`
	Result    string    `json:"result"`
	Score     *float64  `json:"score,omitempty"`
	Message   string    `json:"message,omitempty"`
	Ended     time.Time `json:"ended"`
	Approver  string    `json:"approver,omitempty"`
	// RolledBack says what the run's rollback restored.
	RolledBack string `json:"rolledBack,omitempty"`
	// Signer is who signed the candidate, in a stage that requires a
	// signature (see [Run.Signer]).
	Signer string `json:"signer,omitempty"`
}

// GateSummary is a quality gate verdict.
type GateSummary struct {
	Run       string    `json:"run"`
	Candidate string    `json:"candidate"`
	Verdict   string    `json:"verdict"`
	Score     float64   `json:"score"`
	At        time.Time `json:"at"`
}

// ProblemSummary is an open problem.
type ProblemSummary struct {
	ID      string       `json:"id"`
	Type    string       `json:"type"`
	Title   string       `json:"title,omitempty"`
	Status  ProblemState `json:"status"`
	Opened  time.Time    `json:"opened"`
	Actions int          `json:"actions"`
	// Doing is the action under way, in words.
	Doing string `json:"doing,omitempty"`
}

// Input is what a summary needs besides the branch.
type Input struct {
	Now     time.Time
	Project string
	Main    string
	// Stages is the shipyard's stage order; empty: the order last recorded.
	Stages []string
	// Services are the project's services; slots add the others.
	Services []string
	// StageHolds are the holds in force per stage, ServiceHolds per SlotKey.
	StageHolds   map[string]*Hold
	ServiceHolds map[string]*Hold
	// Stall is why the project cannot be delivered, if it cannot.
	Stall *Stall
	// Invalid are the services whose own files on main are invalid: they
	// are not delivered from main until a commit fixes them.
	Invalid map[string]error
	// StagePrefix and ProposalPrefix name branches in actions
	// (default "stage/" and "ferry/proposals/").
	StagePrefix, ProposalPrefix string
}

// Summarize builds the summary of a branch.
func Summarize(b *Branch, in Input) *Summary {
	if in.StagePrefix == "" {
		in.StagePrefix = "stage/"
	}
	if in.ProposalPrefix == "" {
		in.ProposalPrefix = "ferry/proposals/"
	}
	s := &Summary{FormatVersion: FormatVersion, Updated: in.Now.UTC(), Project: in.Project, Main: in.Main, Corrupt: b.Corrupt}
	s.Conditions = projectConditions(b, in)
	services := serviceNames(b, in)
	for _, stage := range stageNames(b, in) {
		st := StageSummary{Name: stage, Hold: in.StageHolds[stage], Services: []ServiceSummary{}}
		for _, svc := range services {
			st.Services = append(st.Services, summarizeService(b, in, stage, svc))
		}
		s.Stages = append(s.Stages, st)
	}
	return s
}

func stageNames(b *Branch, in Input) []string {
	order := in.Stages
	if len(order) == 0 {
		order = b.State.Stages
	}
	seen := map[string]bool{}
	out := []string{}
	for _, st := range order {
		if !seen[st] {
			seen[st] = true
			out = append(out, st)
		}
	}
	var extra []string
	for _, s := range b.Slots {
		if !seen[s.Stage] {
			seen[s.Stage] = true
			extra = append(extra, s.Stage)
		}
	}
	for _, c := range b.Corrupt {
		if c.Stage != "" && !seen[c.Stage] {
			seen[c.Stage] = true
			extra = append(extra, c.Stage)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

func serviceNames(b *Branch, in Input) []string {
	set := map[string]bool{}
	for _, s := range in.Services {
		set[s] = true
	}
	for s := range in.Invalid {
		set[s] = true
	}
	for _, s := range b.Slots {
		set[s.Service] = true
	}
	for _, c := range b.Corrupt {
		if c.Service != "" {
			set[c.Service] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func projectConditions(b *Branch, in Input) []Condition {
	if st := in.Stall; st != nil {
		return []Condition{
			{Type: meta.ReadyCondition, Status: "False", Reason: st.Reason, Message: st.Error()},
			{Type: meta.StalledCondition, Status: "True", Reason: st.Reason, Message: st.Error()},
		}
	}
	ready := Condition{Type: meta.ReadyCondition, Status: "True", Reason: ReasonSucceeded, Message: "delivering"}
	if n := len(b.Corrupt); n > 0 {
		files := make([]string, n)
		for i, c := range b.Corrupt {
			files[i] = c.File
		}
		ready.Message = fmt.Sprintf("delivering; %d item(s) stalled on corrupt files: %s", n, strings.Join(files, ", "))
	}
	out := []Condition{ready}
	inFlight := 0
	for _, s := range b.Slots {
		if s.Current != nil {
			inFlight++
		}
	}
	if inFlight > 0 {
		out = append(out, Condition{Type: meta.ReconcilingCondition, Status: "True", Reason: ReasonProgressing, Message: fmt.Sprintf("%d run(s) in flight", inFlight)})
	}
	return out
}

func summarizeService(b *Branch, in Input, stage, svc string) ServiceSummary {
	ss := ServiceSummary{Name: svc, Hold: in.ServiceHolds[SlotKey(stage, svc)]}
	for _, p := range b.Problems {
		if p.Stage == stage && p.Service == svc && p.Status == ProblemOpen {
			ss.Problems = append(ss.Problems, summarizeProblem(p))
		}
	}
	if c := b.CorruptSlot(stage, svc); c != nil {
		ss.Conditions = []Condition{
			{Type: meta.ReadyCondition, Status: "False", Reason: ReasonCorruptStatus, Message: c.Error()},
			{Type: meta.StalledCondition, Status: "True", Reason: ReasonCorruptStatus, Message: c.Error() + ": fix or delete the file with a commit on ferry/status"},
		}
		return ss
	}
	slot := b.Slots[SlotKey(stage, svc)]
	if slot == nil {
		ss.Conditions = []Condition{{Type: meta.ReadyCondition, Status: "True", Reason: ReasonSucceeded, Message: "nothing delivered yet"}}
		return invalid(ss, in.Invalid[svc])
	}
	ss.Deployed = deployed(slot)
	ss.Queued = len(slot.Queue)
	if r := slot.Current; r != nil {
		ss.InFlight = inFlight(r, slot, in)
	} else if len(slot.Queue) > 0 && slot.Queue[0].Phase == PhaseHeld {
		ss.InFlight = inFlight(slot.Queue[0], slot, in)
		ss.Queued--
	}
	if r := slot.Last; r != nil {
		ss.Last = &LastRun{
			Run: r.ID, Candidate: r.Candidate, Pin: r.Pin, Sequence: r.Sequence, Result: r.Result,
			Score: r.Score, Message: r.Message, Ended: r.Ended, Approver: r.Approver, RolledBack: r.RolledBack,
			Signer: r.Signer,
		}
	}
	if g := slot.Gate; g != nil {
		ss.LastGate = &GateSummary{Run: g.Run, Candidate: g.Candidate, Verdict: g.Result, Score: g.Score, At: g.At}
	}
	ss.Conditions = serviceConditions(ss)
	return invalid(ss, in.Invalid[svc])
}

// invalid marks a service whose files on main are invalid stalled.
func invalid(ss ServiceSummary, err error) ServiceSummary {
	if err != nil {
		ss.Conditions = []Condition{
			{Type: meta.ReadyCondition, Status: "False", Reason: ReasonInvalidProject, Message: err.Error()},
			{Type: meta.StalledCondition, Status: "True", Reason: ReasonInvalidProject, Message: err.Error()},
		}
	}
	return ss
}

// deployed is what the stage branch runs: the slot's deployment record,
// else (state written before it existed) the last release.
func deployed(slot *Slot) *DeployedSummary {
	d := slot.Deployed
	if d == nil {
		rel := slot.Released
		if rel == nil {
			return nil
		}
		d = &Deployment{Candidate: rel.Candidate, Pin: rel.Pin, StageCommit: rel.StageCommit, Since: rel.At, Verdict: rel.Verdict, Score: rel.Score}
	}
	out := &DeployedSummary{
		Pin: d.Pin, Candidate: d.Candidate, Run: d.Run, StageCommit: d.StageCommit,
		Verdict: d.Verdict, Score: d.Score, Since: d.Since, RolledBack: d.RolledBack,
	}
	if rel := slot.Released; rel != nil && rel.Candidate == d.Candidate {
		out.Released = true
	}
	return out
}

func serviceConditions(ss ServiceSummary) []Condition {
	switch {
	case len(ss.Problems) > 0:
		p := ss.Problems[0]
		return []Condition{{Type: meta.ReadyCondition, Status: "False", Reason: ReasonRemediating, Message: fmt.Sprintf("problem %s: %s", p.ID, p.Doing)}}
	case ss.InFlight != nil && ss.InFlight.Phase == PhaseHeld:
		return []Condition{{Type: meta.ReadyCondition, Status: "Unknown", Reason: ReasonHeld, Message: ss.InFlight.Message}}
	case ss.InFlight != nil:
		msg := fmt.Sprintf("run %s: %s", ss.InFlight.Run, ss.InFlight.Task)
		if ss.InFlight.WaitingFor != "" {
			msg += ": waiting for " + ss.InFlight.WaitingFor
		}
		return []Condition{
			{Type: meta.ReadyCondition, Status: "Unknown", Reason: ReasonProgressing, Message: msg},
			{Type: meta.ReconcilingCondition, Status: "True", Reason: ReasonProgressing, Message: msg},
		}
	case ss.Last != nil && ss.Last.Result == "fail":
		return []Condition{{Type: meta.ReadyCondition, Status: "False", Reason: ReasonRunFailed, Message: fmt.Sprintf("run %s failed: %s", ss.Last.Run, ss.Last.Message)}}
	case ss.Last != nil && ss.Last.Result == ResultUnsigned:
		return []Condition{{Type: meta.ReadyCondition, Status: "False", Reason: ReasonUnsignedCandidate, Message: fmt.Sprintf("run %s stopped: %s", ss.Last.Run, ss.Last.Message)}}
	case ss.Last != nil && ss.Last.Result == ResultExpired:
		return []Condition{{Type: meta.ReadyCondition, Status: "False", Reason: ReasonApprovalExpired, Message: fmt.Sprintf("run %s expired: %s", ss.Last.Run, ss.Last.Message)}}
	}
	return []Condition{{Type: meta.ReadyCondition, Status: "True", Reason: ReasonSucceeded, Message: "idle"}}
}

func summarizeProblem(p *Problem) ProblemSummary {
	ps := ProblemSummary{ID: p.ID, Type: p.ProblemType, Title: p.Title, Status: p.Status, Opened: p.Opened, Actions: len(p.Actions)}
	if a := p.InFlight(); a != nil {
		ps.Doing = fmt.Sprintf("action %d %s", a.Index+1, a.Action)
		if a.Change != "" {
			ps.Doing += " (" + a.Change + ")"
		}
		if a.Waiting != "" {
			ps.Doing += ", waiting for " + string(a.Waiting)
		}
	} else {
		ps.Doing = "choosing the next action"
	}
	return ps
}

// inFlight describes a run under way: what it waits for and who must act.
func inFlight(r *Run, slot *Slot, in Input) *InFlight {
	f := &InFlight{
		Run: r.ID, Candidate: r.Candidate, Pin: r.Pin, Sequence: r.Sequence, Task: r.TaskName,
		Phase: r.Phase, Until: r.Until, PullRequest: r.PullRequestURL, Message: r.Message, Since: r.Since,
		ForgeError: r.ForgeError, ForgeErrorAt: r.ForgeErrorAt,
	}
	stageBranch := in.StagePrefix + slot.Stage
	switch r.Phase {
	case PhaseHeld:
		f.WaitingFor = "a hold to be lifted"
		f.Action = holdAction(r, slot, in)
		f.Until = time.Time{}
	case PhaseQueued:
		f.WaitingFor = "its turn"
	}
	switch r.Waiting {
	case WaitDelay:
		f.WaitingFor = "the task's triggeredAfter delay"
	case WaitDeployed:
		f.WaitingFor = fmt.Sprintf("the agent to apply %s at %s (a deploy signal, or the settle time)", stageBranch, short(r.StageCommit))
	case WaitTest:
		f.WaitingFor = "the test's duration to pass"
	case WaitTestReport:
		f.WaitingFor = "a test report"
		f.Action = fmt.Sprintf("POST a test report for run %s to ferry's /api/v1/reports", r.ID)
	case WaitWindow:
		f.WaitingFor = "the evaluation window to end"
	case WaitQueries:
		f.WaitingFor = "the quality gate's SLI queries to answer"
	case WaitApproval:
		f.WaitingFor = "approval"
		f.Action = fmt.Sprintf("merge %s%s/%s into %s", in.ProposalPrefix, slot.Stage, slot.Service, stageBranch)
		if r.PullRequestURL != "" {
			f.Action += " (" + r.PullRequestURL + ")"
		}
	case WaitReport:
		f.WaitingFor = fmt.Sprintf("a report of task %s", r.TaskName)
		f.Action = fmt.Sprintf("POST a task report for task %s of run %s to ferry's /api/v1/reports", r.TaskName, r.ID)
	}
	return f
}

func holdAction(r *Run, slot *Slot, in Input) string {
	h := in.ServiceHolds[slot.Key()]
	if h == nil {
		h = in.StageHolds[slot.Stage]
	}
	if h == nil {
		return r.Message
	}
	a := fmt.Sprintf("delete %s on main to lift the hold", h.File)
	if !h.Until.IsZero() {
		a += fmt.Sprintf(", or wait until %s", h.Until.UTC().Format(time.RFC3339))
	}
	return a
}

func short(sha string) string {
	if sha == "" {
		return "its commit"
	}
	return gitstore.ShortSHA(sha)
}

// Service returns a service's summary in a stage.
func (s *Summary) Service(stage, svc string) (*ServiceSummary, bool) {
	for i := range s.Stages {
		if s.Stages[i].Name != stage {
			continue
		}
		for j := range s.Stages[i].Services {
			if s.Stages[i].Services[j].Name == svc {
				return &s.Stages[i].Services[j], true
			}
		}
	}
	return nil, false
}

// StageNames lists the stages, in order.
func (s *Summary) StageNames() []string {
	out := make([]string, len(s.Stages))
	for i, st := range s.Stages {
		out[i] = st.Name
	}
	return out
}

// ServiceNames lists the services.
func (s *Summary) ServiceNames() []string {
	var out []string
	for _, st := range s.Stages {
		for _, svc := range st.Services {
			if !slices.Contains(out, svc.Name) {
				out = append(out, svc.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}
