package status

import (
	"path"
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
