package evaluator

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// RecordVersion is the version of the evaluation record format.
const RecordVersion = 1

// Verdicts.
const (
	ResultPass    = "pass"
	ResultWarning = "warning"
	ResultFail    = "fail"
	// StatusInfo marks an objective without pass criteria: not scored.
	StatusInfo = "info"
)

// Record is an evaluation record: everything needed to replay a verdict
// offline. It is stored as a note on the evaluated commit and in the ledger
// on ferry/status.
type Record struct {
	Version int `json:"version"`
	// ID names the record in the ledger: <time>-<run>.
	ID      string `json:"id"`
	Project string `json:"project,omitempty"`
	Stage   string `json:"stage,omitempty"`
	Service string `json:"service,omitempty"`
	// Commit is the commit the evaluation judged; Candidate the main commit
	// it delivers, and Run the run it belongs to.
	Commit    string `json:"commit,omitempty"`
	Candidate string `json:"candidate,omitempty"`
	Run       string `json:"run,omitempty"`
	// SLO is the SLO file as read, with where it was read.
	SLO SLOSource `json:"slo"`
	// Window is the evaluated time range; queries run at its end.
	Window Window `json:"window"`
	// Queries are the SLI queries after placeholder substitution.
	Queries map[string]string `json:"queries,omitempty"`
	// Values are the retrieved SLI values or why retrieval failed.
	Values map[string]Value `json:"values"`
	// Objectives are scored in SLO file order.
	Objectives []ObjectiveResult `json:"objectives"`
	// Compared are the previous results relative criteria compared with.
	Compared []Previous `json:"compared"`
	// Comparison is the comparison the SLO asked for, defaults applied.
	Comparison Comparison `json:"comparison"`
	Points     float64    `json:"points"`
	MaxPoints  float64    `json:"maxPoints"`
	Score      float64    `json:"score"`
	// Result is pass, warning or fail.
	Result  string `json:"result"`
	Message string `json:"message,omitempty"`
	// Approver is who approved the promotion this evaluation gated.
	Approver    string    `json:"approver,omitempty"`
	EvaluatedAt time.Time `json:"evaluatedAt"`
	// Invalidated records are never compared with: ferry's mark for
	// Keptn's evaluation.invalidated event. The record stays in the ledger.
	Invalidated bool `json:"invalidated,omitempty"`
	// Signals are what the deployment agent said about the evaluated
	// commit (applied, healthy or not), as they arrived.
	Signals []string `json:"signals,omitempty"`
}

// SLOSource is an SLO file as an evaluation read it.
type SLOSource struct {
	File    string `json:"file,omitempty"`
	Commit  string `json:"commit,omitempty"`
	Content string `json:"content"`
}

// Window is a time range.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Duration returns the window's length.
func (w Window) Duration() time.Duration { return w.End.Sub(w.Start) }

// Value is an SLI value, or the reason it could not be retrieved.
type Value struct {
	Value float64
	Err   string
}

// OK reports whether a value was retrieved.
func (v Value) OK() bool { return v.Err == "" }

// MarshalJSON writes a number, or {"error": "..."}.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.Err != "" {
		return json.Marshal(struct {
			Error string `json:"error"`
		}{v.Err})
	}
	if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
		return json.Marshal(struct {
			Error string `json:"error"`
		}{fmt.Sprintf("not a finite number: %v", v.Value)})
	}
	return json.Marshal(v.Value)
}

// UnmarshalJSON reads a number or {"error": "..."}.
func (v *Value) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err == nil {
		*v = Value{Value: f}
		return nil
	}
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
		return fmt.Errorf("an SLI value is a number or {error: reason}, got %s", b)
	}
	*v = Value{Err: e.Error}
	return nil
}

// UnmarshalYAML reads a number or {error: reason} from a values file.
func (v *Value) UnmarshalYAML(unmarshal func(any) error) error {
	var f float64
	if err := unmarshal(&f); err == nil {
		*v = Value{Value: f}
		return nil
	}
	var e struct {
		Error string `yaml:"error"`
	}
	if err := unmarshal(&e); err != nil || e.Error == "" {
		return fmt.Errorf("an SLI value is a number or {error: reason}")
	}
	*v = Value{Err: e.Error}
	return nil
}

// ObjectiveResult is the scoring of one objective.
type ObjectiveResult struct {
	SLI         string `json:"sli"`
	DisplayName string `json:"displayName,omitempty"`
	Weight      int    `json:"weight"`
	KeySLI      bool   `json:"keySli,omitempty"`
	// Value is the value scored, if one arrived.
	Value *float64 `json:"value,omitempty"`
	// Error says why there was no value.
	Error string `json:"error,omitempty"`
	// Status is pass, warning, fail or info.
	Status string  `json:"status"`
	Points float64 `json:"points"`
	// Pass and Warning are the criteria blocks with their targets.
	Pass    [][]Target `json:"pass,omitempty"`
	Warning [][]Target `json:"warning,omitempty"`
}

// Target is one criterion as it was checked.
type Target struct {
	Criterion string `json:"criterion"`
	// Target is the threshold the value was compared with; nil when a
	// relative criterion had no previous value and was skipped.
	Target *float64 `json:"target,omitempty"`
	Held   bool     `json:"held"`
	// Skipped relative criteria count as held (Keptn's rule).
	Skipped bool `json:"skipped,omitempty"`
}

// Previous is an earlier evaluation as a relative criterion uses it.
type Previous struct {
	ID     string           `json:"id"`
	Result string           `json:"result"`
	Score  float64          `json:"score"`
	Values map[string]Value `json:"values"`
	// Invalidated results are never compared with (Keptn's
	// evaluation.invalidated event).
	Invalidated bool `json:"invalidated,omitempty"`
}

// AsPrevious returns the parts of r later evaluations compare with.
func (r *Record) AsPrevious() Previous {
	return Previous{ID: r.ID, Result: r.Result, Score: r.Score, Values: r.Values, Invalidated: r.Invalidated}
}
