package status

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

// ProblemState is where a problem is.
type ProblemState string

// Problem states.
const (
	ProblemOpen      ProblemState = "open"
	ProblemClosed    ProblemState = "closed"
	ProblemEscalated ProblemState = "escalated"
)

// Problem is a remediation in Git: problems/<id>.yaml.
type Problem struct {
	ID          string       `yaml:"id" json:"id"`
	Stage       string       `yaml:"stage" json:"stage"`
	Service     string       `yaml:"service" json:"service"`
	ProblemType string       `yaml:"problemType" json:"problemType"`
	Title       string       `yaml:"title,omitempty" json:"title,omitempty"`
	Status      ProblemState `yaml:"status" json:"status"`
	Opened      time.Time    `yaml:"opened" json:"opened"`
	Ended       time.Time    `yaml:"ended,omitempty" json:"ended,omitzero"`
	// Candidate is what was deployed in the stage when the problem opened;
	// its remediation file lists the actions.
	Candidate string `yaml:"candidate,omitempty" json:"candidate,omitempty"`
	// AlertResolved is set when the alert stopped firing; the problem
	// still closes only after the SLO check passes.
	AlertResolved bool `yaml:"alertResolved,omitempty" json:"alertResolved,omitempty"`
	// Actions taken, in order; the last may be in flight.
	Actions []*ProblemAction `yaml:"actions,omitempty" json:"actions,omitempty"`
	Message string           `yaml:"message,omitempty" json:"message,omitempty"`
}

// ProblemAction is one remediation action and what came of it.
type ProblemAction struct {
	Index      int       `yaml:"index" json:"index"`
	Action     string    `yaml:"action" json:"action"`
	Name       string    `yaml:"name,omitempty" json:"name,omitempty"`
	Change     string    `yaml:"change,omitempty" json:"change,omitempty"`
	Commit     string    `yaml:"commit,omitempty" json:"commit,omitempty"`
	Started    time.Time `yaml:"started" json:"started"`
	DeployedAt time.Time `yaml:"deployedAt,omitempty" json:"deployedAt,omitzero"`
	Waiting    Wait      `yaml:"waiting,omitempty" json:"waiting,omitempty"`
	Until      time.Time `yaml:"until,omitempty" json:"until,omitzero"`
	Result     string    `yaml:"result,omitempty" json:"result,omitempty"`
	Score      *float64  `yaml:"score,omitempty" json:"score,omitempty"`
}

// ProblemPath is the file of a problem.
func ProblemPath(id string) string { return path.Join(ProblemsDir, id+".yaml") }

// InFlight returns the action under way, or nil.
func (p *Problem) InFlight() *ProblemAction {
	if n := len(p.Actions); n > 0 && p.Actions[n-1].Result == "" {
		return p.Actions[n-1]
	}
	return nil
}

// AlertChange says what an alert did to the problems.
type AlertChange int

// What an alert can do.
const (
	AlertNoChange AlertChange = iota // a repeat of an open problem's alert
	AlertOpened                      // a new problem
	AlertResolved                    // the open problem's alert stopped firing
	AlertIgnored                     // nothing is released where it fired
)

// Alert applies an alert report: a firing alert opens one problem per
// (stage, service, problem type), for the candidate released there
// (released; none: the alert is ignored); repeats change nothing; a
// resolved alert marks the open problem.
func (b *Branch) Alert(r *Report, released string, now time.Time) (*Problem, AlertChange) {
	existing := b.OpenProblem(r.Stage, r.Service, r.Task)
	switch {
	case r.Kind == ReportAlertResolved && existing != nil && !existing.AlertResolved:
		existing.AlertResolved = true
		return existing, AlertResolved
	case r.Kind == ReportAlertResolved || existing != nil:
		return existing, AlertNoChange
	case released == "":
		return nil, AlertIgnored
	}
	p := &Problem{
		ID:    fmt.Sprintf("%s-%s-%s-%s", r.Stage, r.Service, idPart(r.Task), now.UTC().Format("20060102T150405Z")),
		Stage: r.Stage, Service: r.Service, ProblemType: r.Task, Title: r.Message,
		Status: ProblemOpen, Opened: now, Candidate: released,
	}
	b.Problems = append(b.Problems, p)
	return p, AlertOpened
}

// OpenProblem returns the open problem of a service in a stage, of a type
// (any type when typ is empty), or nil.
func (b *Branch) OpenProblem(stage, svc, typ string) *Problem {
	for _, p := range b.Problems {
		if p.Stage == stage && p.Service == svc && p.Status == ProblemOpen && (typ == "" || p.ProblemType == typ) {
			return p
		}
	}
	return nil
}

// idPart keeps lower-case letters, digits and '-' of s for a file name.
func idPart(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, s)
}

// Listed returns every problem, open or ended, newest first: the order
// `ferry problems` and the dashboard list them in.
func (b *Branch) Listed() []Problem {
	out := make([]Problem, 0, len(b.Problems))
	for _, p := range b.Problems {
		out = append(out, *p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Opened.After(out[j].Opened) })
	return out
}
