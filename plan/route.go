package plan

import (
	"time"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
)

// Candidate is a service the change delivers and the way it will go.
type Candidate struct {
	Service string `json:"service" yaml:"service"`
	// Stage and Sequence are where the candidate starts.
	Stage    string `json:"stage,omitempty" yaml:"stage,omitempty"`
	Sequence string `json:"sequence,omitempty" yaml:"sequence,omitempty"`
	// Named is true when the head commit's Ferry-Sequence trailer names the
	// sequence.
	Named bool `json:"named,omitempty" yaml:"named,omitempty"`
	// Steps are the sequences it runs when each one passes, in order.
	Steps []Step `json:"steps" yaml:"steps"`
	// Problem says why it cannot start, when it cannot.
	Problem string `json:"problem,omitempty" yaml:"problem,omitempty"`
}

// Step is one sequence a candidate runs.
type Step struct {
	Stage    string   `json:"stage" yaml:"stage"`
	Sequence string   `json:"sequence" yaml:"sequence"`
	Tasks    []string `json:"tasks" yaml:"tasks"`
	// Approval is "manual" when an approval task of the sequence waits for
	// a person on a passing gate (pass: manual), "manual on warning" when
	// only a warning waits, else empty.
	Approval string `json:"approval,omitempty" yaml:"approval,omitempty"`
	// Hold is the hold in force on the service in the stage: the candidate
	// waits before the stage until it is lifted.
	Hold *Hold `json:"hold,omitempty" yaml:"hold,omitempty"`
}

// Hold is a hold file as a plan reports it.
type Hold struct {
	File   string `json:"file" yaml:"file"`
	Reason string `json:"reason" yaml:"reason"`
	Until  string `json:"until,omitempty" yaml:"until,omitempty"`
}

// Approval modes a step reports.
const (
	ApprovalManual          = "manual"
	ApprovalManualOnWarning = "manual on warning"
)

// maxSteps bounds a route (the shipyard has no cycles; this is a guard).
const maxSteps = 100

// candidates lists the candidates of a main commit with the given changed
// paths and trailers, as ferry run will see it once merged.
func candidates(p *stages.Project, changed []string, tr gitstore.FerryTrailers, now time.Time) []Candidate {
	c := stages.Candidate{Trailers: tr}
	out := []Candidate{}
	for _, svc := range p.CandidateServices(changed, tr) {
		named := c.SequenceFor(svc)
		cand := Candidate{Service: svc, Named: named != "", Steps: []Step{}}
		stage, seq, err := p.StartSequence(svc, named)
		if err != nil {
			cand.Problem = err.Error()
			out = append(out, cand)
			continue
		}
		cand.Stage, cand.Sequence = stage, seq
		cand.Steps = route(p, svc, stages.SequenceRef{Stage: stage, Sequence: seq}, now)
		out = append(out, cand)
	}
	return out
}

// route walks the sequences a candidate runs from start when every task
// passes: the sequences each finished one triggers (Shipyard.Next), breadth
// first, each once.
func route(p *stages.Project, svc string, start stages.SequenceRef, now time.Time) []Step {
	var out []Step
	seen := map[stages.SequenceRef]bool{start: true}
	queue := []stages.SequenceRef{start}
	for len(queue) > 0 && len(out) < maxSteps {
		ref := queue[0]
		queue = queue[1:]
		q := p.Shipyard.Sequence(ref.Stage, ref.Sequence)
		if q == nil {
			continue
		}
		step := Step{Stage: ref.Stage, Sequence: ref.Sequence, Tasks: []string{}}
		results := map[string]string{}
		for i := range q.Tasks {
			t := &q.Tasks[i]
			step.Tasks = append(step.Tasks, t.Name)
			results[t.Name] = stages.ResultPass
			if t.Name == stages.TaskApproval {
				switch {
				case t.Property(stages.ResultPass) == "manual":
					step.Approval = ApprovalManual
				case t.Property(stages.ResultWarning) == "manual" && step.Approval == "":
					step.Approval = ApprovalManualOnWarning
				}
			}
		}
		if h := p.HoldOn(svc, ref.Stage, now); h != nil {
			step.Hold = &Hold{File: h.File, Reason: h.Reason, Until: h.Until}
		}
		out = append(out, step)
		for _, next := range p.Shipyard.Next(ref.Stage, ref.Sequence, stages.ResultPass, results) {
			if !seen[next] {
				seen[next] = true
				queue = append(queue, next)
			}
		}
	}
	return out
}
