package status

import (
	"path"
	"slices"
	"time"
)

// Paths on ferry/status.
const (
	StateFile    = "state.yaml"
	RunsDir      = "runs"
	ProblemsDir  = "problems"
	ReportsDir   = "reports"
	MarkdownFile = "STATUS.md"
	JSONFile     = "status.json"
)

// FormatVersion is the version of state.yaml and status.json this package
// writes. Version 1 files (without the field) are read as well.
const FormatVersion = 2

// Phase is where a run is.
type Phase string

// Phases of a run.
const (
	PhaseQueued    Phase = "queued"
	PhaseHeld      Phase = "held"
	PhaseRunning   Phase = "running"
	PhaseWaiting   Phase = "waiting"
	PhaseSucceeded Phase = "succeeded"
	PhaseFailed    Phase = "failed"
)

// Wait is what a waiting run waits for.
type Wait string

// Waits a run can be in.
const (
	WaitDelay      Wait = "delay"       // the task's triggeredAfter
	WaitDeployed   Wait = "deployed"    // a deploy signal or the settle time
	WaitTest       Wait = "test"        // the test's duration
	WaitTestReport Wait = "test-report" // a test report
	WaitWindow     Wait = "window"      // the evaluation timeframe to pass
	WaitQueries    Wait = "queries"     // the gate's SLI queries to answer
	WaitApproval   Wait = "approval"    // the proposal merged into the stage branch
	WaitReport     Wait = "report"      // an external task's report
)

// Results of a run besides the shipyard's pass, warning and fail; no
// trigger matches them.
const (
	// ResultSuperseded ends a run that a newer candidate replaced.
	ResultSuperseded = "superseded"
	// ResultExpired ends a run whose manual approval did not come within
	// the stage's approval timeout: nothing was deployed.
	ResultExpired = "expired"
	// ResultUnsigned ends a run, before its first task, whose candidate
	// is not signed by an allowed signer while its stage requires one
	// (ferry.yaml verify): nothing was deployed.
	ResultUnsigned = "unsigned"
)

// EndPhase is the phase of a run that ended with result: failed when it
// failed, its approval expired or its candidate was not signed (it
// delivered nothing), else succeeded.
func EndPhase(result string) Phase {
	if result == "fail" || result == ResultExpired || result == ResultUnsigned {
		return PhaseFailed
	}
	return PhaseSucceeded
}

// End ends a run at now with result and msg: nothing is awaited any more,
// and a forge failure on its way to the end is no longer news.
func (r *Run) End(result, msg string, now time.Time) {
	r.Result, r.Message, r.Ended = result, msg, now
	r.Phase, r.Waiting, r.Until, r.TaskName = EndPhase(result), "", time.Time{}, ""
	r.ForgeError, r.ForgeErrorAt = "", time.Time{}
}

// State is state.yaml: what the loop knows beyond the slots.
type State struct {
	// Version is the format version (FormatVersion).
	Version int `yaml:"formatVersion,omitempty"`
	// LastMain is the main commit up to which candidates were queued.
	LastMain string `yaml:"lastMain,omitempty"`
	// NextRun numbers runs: run ids are r1, r2, ...
	NextRun int `yaml:"nextRun"`
	// Stages is the shipyard's stage order as last read, so that the
	// status keeps its order while main cannot be read.
	Stages []string `yaml:"stages,omitempty"`
	// Error is the reason the project cannot be delivered (a stall), as
	// Stall.Error() reads.
	Error string `yaml:"error,omitempty"`
	// Reason is the stall's reason, e.g. InvalidProject.
	Reason string `yaml:"reason,omitempty"`
	// Deferred holds runs queued for a slot whose file is corrupt, by slot
	// key; they join the slot's queue once it reads again.
	Deferred map[string][]*Run `yaml:"deferred,omitempty"`
}

// Slot is the state of one service in one stage: runs/<stage>/<svc>.yaml.
type Slot struct {
	Stage   string `yaml:"stage"`
	Service string `yaml:"service"`
	// Current is the run in flight.
	Current *Run `yaml:"current,omitempty"`
	// Queue holds the runs waiting, in order.
	Queue []*Run `yaml:"queue,omitempty"`
	// Last is the last finished run.
	Last *Run `yaml:"last,omitempty"`
	// Deployed is what the stage branch runs now: set by a deployment
	// commit, an approved merge, a rollback and a remediation action.
	Deployed *Deployment `yaml:"deployed,omitempty"`
	// Released is what was last released in this stage, Previous the
	// release before it (what a remediation rollback restores).
	Released *Release `yaml:"released,omitempty"`
	Previous *Release `yaml:"previous,omitempty"`
	// Gate is the last quality gate verdict in this stage.
	Gate *Gate `yaml:"gate,omitempty"`
	// Superseded lists the candidates a newer one replaced (latest).
	Superseded []string `yaml:"superseded,omitempty"`
}

// Deployment is what a stage branch runs for a service.
type Deployment struct {
	Candidate   string    `yaml:"candidate"`
	Pin         string    `yaml:"pin,omitempty"`
	Run         string    `yaml:"run,omitempty"`
	StageCommit string    `yaml:"stageCommit,omitempty"`
	Since       time.Time `yaml:"since"`
	// Verdict and Score are the gate's, once one judged this candidate.
	Verdict string   `yaml:"verdict,omitempty"`
	Score   *float64 `yaml:"score,omitempty"`
	// RolledBack is set when a rollback restored this release.
	RolledBack bool `yaml:"rolledBack,omitempty"`
}

// Release is a released candidate and the stage commit that carried it.
type Release struct {
	Candidate   string    `yaml:"candidate"`
	StageCommit string    `yaml:"stageCommit"`
	Pin         string    `yaml:"pin,omitempty"`
	At          time.Time `yaml:"at"`
	Verdict     string    `yaml:"verdict,omitempty"`
	Score       *float64  `yaml:"score,omitempty"`
}

// Gate is a quality gate verdict.
type Gate struct {
	Candidate string    `yaml:"candidate"`
	Run       string    `yaml:"run"`
	Result    string    `yaml:"result"`
	Score     float64   `yaml:"score"`
	At        time.Time `yaml:"at"`
}

// Run is one sequence run for a candidate in a stage.
type Run struct {
	ID        string `yaml:"id"`
	Candidate string `yaml:"candidate"`
	Sequence  string `yaml:"sequence"`
	// TriggeredBy names the finished sequence that started this run, and
	// Gate its result (what an approval decides on).
	TriggeredBy string `yaml:"triggeredBy,omitempty"`
	Gate        string `yaml:"gate,omitempty"`
	Phase       Phase  `yaml:"phase"`
	// Task is the index of the task in flight; TaskName its name.
	Task     int    `yaml:"task"`
	TaskName string `yaml:"taskName,omitempty"`
	// TaskStarted is when the task in flight started.
	TaskStarted time.Time `yaml:"taskStarted,omitempty"`
	// Waiting says what the task waits for; Until when the wait ends
	// (a timer) or times out.
	Waiting Wait      `yaml:"waiting,omitempty"`
	Until   time.Time `yaml:"until,omitempty"`
	// StageCommit is the deployment commit of this run.
	StageCommit string `yaml:"stageCommit,omitempty"`
	// Proposed is set once the deployment was proposed for approval: its
	// commit then reaches the stage branch through a person's merge.
	Proposed bool `yaml:"proposed,omitempty"`
	// ProposalBase is the stage commit the proposal was built on.
	ProposalBase string `yaml:"proposalBase,omitempty"`
	// PullRequest and PullRequestURL name the proposal's pull request.
	PullRequest    int    `yaml:"pullRequest,omitempty"`
	PullRequestURL string `yaml:"pullRequestURL,omitempty"`
	// ForgeError is why the last call to the forge for this run's pull
	// request failed, and ForgeErrorAt when it first failed so; the next
	// call that succeeds clears both (see [Run.ForgeCalled]).
	ForgeError   string    `yaml:"forgeError,omitempty"`
	ForgeErrorAt time.Time `yaml:"forgeErrorAt,omitempty"`
	// Approver is who merged the proposal.
	Approver   string    `yaml:"approver,omitempty"`
	DeployedAt time.Time `yaml:"deployedAt,omitempty"`
	// TestStart and TestEnd are the test window.
	TestStart time.Time `yaml:"testStart,omitempty"`
	TestEnd   time.Time `yaml:"testEnd,omitempty"`
	// Results of the finished tasks, by task name.
	Results map[string]string `yaml:"results,omitempty"`
	// Score of the evaluation, if any.
	Score   *float64  `yaml:"score,omitempty"`
	Result  string    `yaml:"result,omitempty"`
	Message string    `yaml:"message,omitempty"`
	Since   time.Time `yaml:"since"`
	Ended   time.Time `yaml:"ended,omitempty"`
	// Pin summarises the candidate's pins.
	Pin string `yaml:"pin,omitempty"`
	// RolledBack is set on a run whose rollback task restored an earlier
	// release.
	RolledBack string `yaml:"rolledBack,omitempty"`
	// Signer is who signed the candidate, in a stage that requires a
	// signature: the allowed signer, or the key of a signature that did
	// not count (empty when there was none). It is for people to read:
	// ferry checks the signature again before every task and never trusts
	// this field, which anyone who can push to ferry/status can write.
	Signer string `yaml:"signer,omitempty"`
	// Depth counts the sequences that triggered each other up to this run
	// (0 for a candidate's first run).
	Depth int `yaml:"depth,omitempty"`
}

// ForgeCalled records how a call to the forge for the run's pull request
// went: a failure with the time it was first seen (the same failure again
// changes nothing, so a forge that stays down adds no status commits), a
// success clears it.
func (r *Run) ForgeCalled(err error, now time.Time) {
	switch {
	case err == nil:
		r.ForgeError, r.ForgeErrorAt = "", time.Time{}
	case err.Error() != r.ForgeError:
		r.ForgeError, r.ForgeErrorAt = err.Error(), now
	}
}

// EvaluationWindow is the window an evaluation without a test window
// judges: timeframe long, starting at the deployment, never before the
// deployment nor more than timeframe before the evaluation task started.
func (r *Run) EvaluationWindow(timeframe time.Duration) (start, end time.Time) {
	start = r.DeployedAt
	if start.IsZero() || start.Before(r.TaskStarted.Add(-timeframe)) {
		start = r.TaskStarted.Add(-timeframe)
		if !r.DeployedAt.IsZero() && start.Before(r.DeployedAt) {
			start = r.DeployedAt
		}
	}
	return start, start.Add(timeframe)
}

// Version names what a run delivers: its pins, else its candidate commit.
func (r *Run) Version() string {
	if r.Pin != "" {
		return r.Pin
	}
	return short(r.Candidate)
}

// MaxTriggerDepth bounds how many sequences in a row may trigger each
// other for one candidate: a guard against cycles in a shipyard loaded
// before validation refused them.
const MaxTriggerDepth = 32

// Triggered returns the run that the end of r in stage starts: sequence
// seq, for the same candidate, carrying r's result as the gate it decides
// on. ok is false past MaxTriggerDepth.
func (r *Run) Triggered(stage, seq, result string) (next *Run, ok bool) {
	if r.Depth >= MaxTriggerDepth {
		return nil, false
	}
	return &Run{
		Candidate: r.Candidate, Sequence: seq, TriggeredBy: stage + "." + r.Sequence + " " + r.ID,
		Gate: result, Score: r.Score, Depth: r.Depth + 1,
	}, true
}

// SlotKey is the key of (stage, service) in maps of slots.
func SlotKey(stage, svc string) string { return stage + "/" + svc }

// SlotPath is the file of a slot.
func SlotPath(stage, svc string) string { return path.Join(RunsDir, stage, svc+".yaml") }

// Key returns the slot's key.
func (s *Slot) Key() string { return SlotKey(s.Stage, s.Service) }

// Queues reports whether a run of sequence seq waits in the slot's queue:
// under concurrency latest, a newer candidate that withdraws a waiting
// proposal of the same sequence.
func (s *Slot) Queues(seq string) bool {
	return slices.ContainsFunc(s.Queue, func(q *Run) bool { return q.Sequence == seq })
}

// Clone returns a deep copy.
func (s *Slot) Clone() *Slot {
	c := *s
	c.Current, c.Last = s.Current.Clone(), s.Last.Clone()
	c.Queue = make([]*Run, len(s.Queue))
	for i, r := range s.Queue {
		c.Queue[i] = r.Clone()
	}
	c.Deployed = clonePtr(s.Deployed)
	if c.Deployed != nil {
		c.Deployed.Score = clonePtr(s.Deployed.Score)
	}
	c.Released, c.Previous, c.Gate = clonePtr(s.Released), clonePtr(s.Previous), clonePtr(s.Gate)
	if c.Released != nil {
		c.Released.Score = clonePtr(s.Released.Score)
	}
	if c.Previous != nil {
		c.Previous.Score = clonePtr(s.Previous.Score)
	}
	c.Superseded = append([]string(nil), s.Superseded...)
	return &c
}

// Clone returns a deep copy.
func (r *Run) Clone() *Run {
	if r == nil {
		return nil
	}
	c := *r
	if r.Results != nil {
		c.Results = make(map[string]string, len(r.Results))
		for k, v := range r.Results {
			c.Results[k] = v
		}
	}
	c.Score = clonePtr(r.Score)
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}
