package reconciler

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/gitstore"
)

// Paths on ferry/status.
const (
	stateFile  = "state.yaml"
	runsDir    = "runs"
	reportsDir = "reports"
	statusMD   = "STATUS.md"
	statusJSON = "status.json"
)

// Phases of a run.
const (
	PhaseQueued    = "queued"
	PhaseHeld      = "held"
	PhaseRunning   = "running"
	PhaseWaiting   = "waiting"
	PhaseSucceeded = "succeeded"
	PhaseFailed    = "failed"
)

// State is the loop's state on ferry/status.
type State struct {
	// LastMain is the main commit up to which candidates were queued.
	LastMain string `yaml:"lastMain,omitempty"`
	// NextRun numbers runs: run ids are r1, r2, ...
	NextRun int `yaml:"nextRun"`
	// Error is the last reason the project could not be read (stalled).
	Error string `yaml:"error,omitempty"`
	// Slots are the (stage, service) pairs, by "stage/service".
	Slots map[string]*Slot `yaml:"-"`
	// raw holds each slot's file as read, to write back only what changed.
	raw map[string]string
}

// Slot is the state of one service in one stage.
type Slot struct {
	Stage   string `yaml:"stage"`
	Service string `yaml:"service"`
	// Current is the run in flight.
	Current *Run `yaml:"current,omitempty"`
	// Queue holds the runs waiting, in order.
	Queue []*Run `yaml:"queue,omitempty"`
	// Last is the last finished run.
	Last *Run `yaml:"last,omitempty"`
	// Released is what was last released in this stage, Previous the
	// release before it (what a remediation rollback restores).
	Released *Release `yaml:"released,omitempty"`
	Previous *Release `yaml:"previous,omitempty"`
	// Gate is the last quality gate verdict in this stage.
	Gate *Gate `yaml:"gate,omitempty"`
	// Superseded lists the candidates a newer one replaced (latest).
	Superseded []string `yaml:"superseded,omitempty"`
}

// Release is a released candidate and the stage commit that carried it.
type Release struct {
	Candidate   string    `yaml:"candidate"`
	StageCommit string    `yaml:"stageCommit"`
	Pin         string    `yaml:"pin,omitempty"`
	At          time.Time `yaml:"at"`
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
	Phase       string `yaml:"phase"`
	// Task is the index of the task in flight.
	Task int `yaml:"task"`
	// TaskStarted is when the task in flight started.
	TaskStarted time.Time `yaml:"taskStarted,omitempty"`
	// Waiting says what the task waits for; Until when the wait ends
	// (a timer) or times out.
	Waiting string    `yaml:"waiting,omitempty"`
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
}

func slotKey(stage, svc string) string { return stage + "/" + svc }

func slotPath(stage, svc string) string { return path.Join(runsDir, stage, svc+".yaml") }

// loadState reads the loop's state at the ferry/status commit status (zero:
// none yet). parse decodes a slot file.
func loadState(r gitstore.Reader, status gitstore.Hash, parse func([]byte) (*Slot, error)) (*State, error) {
	st := &State{NextRun: 1, Slots: map[string]*Slot{}, raw: map[string]string{}}
	if status.IsZero() {
		return st, nil
	}
	if data, err := r.ReadFile(status, stateFile); err == nil {
		if err := yaml.Unmarshal(data, st); err != nil {
			return nil, fmt.Errorf("read %s: %w", stateFile, err)
		}
		st.Slots, st.raw = map[string]*Slot{}, map[string]string{}
	} else if !gitstore.IsNotFound(err) {
		return nil, err
	}
	stages, err := r.ListDir(status, runsDir)
	if err != nil {
		return nil, err
	}
	for _, stage := range stages {
		files, err := r.ListDir(status, path.Join(runsDir, stage))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			svc, ok := strings.CutSuffix(f, ".yaml")
			if !ok {
				continue
			}
			data, err := r.ReadFile(status, slotPath(stage, svc))
			if err != nil {
				return nil, err
			}
			s, err := parse(data)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", slotPath(stage, svc), err)
			}
			st.Slots[slotKey(stage, svc)] = s
			st.raw[slotKey(stage, svc)] = string(data)
		}
	}
	return st, nil
}

// slot returns the slot of (stage, svc), creating it.
func (st *State) slot(stage, svc string) *Slot {
	k := slotKey(stage, svc)
	s := st.Slots[k]
	if s == nil {
		s = &Slot{Stage: stage, Service: svc}
		st.Slots[k] = s
	}
	return s
}

// newRunID returns the next run id.
func (st *State) newRunID() string {
	id := fmt.Sprintf("r%d", st.NextRun)
	st.NextRun++
	return id
}

// keys returns the slot keys, sorted.
func (st *State) keys() []string {
	out := make([]string, 0, len(st.Slots))
	for k := range st.Slots {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func marshalYAML(v any) []byte {
	b, err := yaml.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal state: %v", err)) // only plain structs are marshalled
	}
	return b
}

// slotCache keeps parsed slot files by content: most slots do not change
// between passes, and parsing them is most of a pass's reading.
type slotCache struct {
	parsed map[string]*Slot
}

// maxCachedSlots bounds the cache; it starts over when full.
const maxCachedSlots = 50000

// parse returns a copy of the slot a file holds, the pass's to change.
func (c *slotCache) parse(data []byte) (*Slot, error) {
	if s, ok := c.parsed[string(data)]; ok {
		return s.clone(), nil
	}
	var s Slot
	if err := yaml.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	if c.parsed == nil || len(c.parsed) >= maxCachedSlots {
		c.parsed = map[string]*Slot{}
	}
	c.parsed[string(data)] = &s
	return s.clone(), nil
}

// clone returns a deep copy.
func (s *Slot) clone() *Slot {
	c := *s
	c.Current, c.Last = s.Current.clone(), s.Last.clone()
	c.Queue = make([]*Run, len(s.Queue))
	for i, r := range s.Queue {
		c.Queue[i] = r.clone()
	}
	if s.Released != nil {
		rel := *s.Released
		c.Released = &rel
	}
	if s.Previous != nil {
		prev := *s.Previous
		c.Previous = &prev
	}
	if s.Gate != nil {
		g := *s.Gate
		c.Gate = &g
	}
	c.Superseded = append([]string(nil), s.Superseded...)
	return &c
}

// clone returns a deep copy.
func (r *Run) clone() *Run {
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
	if r.Score != nil {
		v := *r.Score
		c.Score = &v
	}
	return &c
}
