package stages

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ferrycd/ferry/internal/yamlfile"
)

// Shipyard is a Keptn shipyard, spec.keptn.sh/0.2.0 to 0.2.4.
type Shipyard struct {
	APIVersion string       `yaml:"apiVersion" json:"apiVersion"`
	Kind       string       `yaml:"kind" json:"kind"`
	Metadata   Metadata     `yaml:"metadata" json:"metadata"`
	Spec       ShipyardSpec `yaml:"spec" json:"spec"`
}

// Metadata names a Keptn resource.
type Metadata struct {
	Name string `yaml:"name" json:"name"`
}

// ShipyardSpec holds the stages in order.
type ShipyardSpec struct {
	Stages []Stage `yaml:"stages" json:"stages"`
}

// Stage is one stage of the shipyard.
type Stage struct {
	Name      string     `yaml:"name" json:"name"`
	Sequences []Sequence `yaml:"sequences" json:"sequences,omitempty"`
}

// Sequence is a named list of tasks, started by a trigger or by a new
// candidate (a delivery sequence of the first stage).
type Sequence struct {
	Name        string    `yaml:"name" json:"name"`
	TriggeredOn []Trigger `yaml:"triggeredOn" json:"triggeredOn,omitempty"`
	Tasks       []Task    `yaml:"tasks" json:"tasks"`
}

// Trigger starts a sequence when another one finishes.
type Trigger struct {
	Event    string   `yaml:"event" json:"event"`
	Selector Selector `yaml:"selector" json:"selector,omitempty"`
}

// Selector narrows a trigger to a result.
type Selector struct {
	Match map[string]string `yaml:"match" json:"match,omitempty"`
}

// Task is one step of a sequence. Properties are free-form as in Keptn;
// the properties of the tasks ferry runs itself are type-checked.
type Task struct {
	Name           string         `yaml:"name" json:"name"`
	TriggeredAfter string         `yaml:"triggeredAfter" json:"triggeredAfter,omitempty"`
	Properties     map[string]any `yaml:"properties" json:"properties,omitempty"`
}

// Supported shipyard API versions.
var shipyardVersions = []string{"0.2.0", "0.2.1", "0.2.2", "0.2.3", "0.2.4"}

// Results a sequence or task finishes with.
const (
	ResultPass    = "pass"
	ResultWarning = "warning"
	ResultFail    = "fail"
)

// Deployment strategies. blue_green_service is accepted for Keptn
// compatibility and rendered like direct: traffic shifting is the chart's
// business (an Argo Rollout, a Flagger Canary).
var deploymentStrategies = map[string]bool{"direct": true, "user_managed": true, "blue_green_service": true}

// ParseShipyard parses and validates a shipyard.
func ParseShipyard(file string, data []byte) (*Shipyard, *yamlfile.Doc) {
	if d := checkShipyardHeader(file, data); d != nil {
		return nil, d
	}
	var s Shipyard
	d := yamlfile.Decode(file, data, &s)
	if d.HasErrors() {
		return nil, d
	}
	s.validate(d)
	if d.HasErrors() {
		return nil, d
	}
	return &s, d
}

// checkShipyardHeader recognises legacy and foreign files before strict
// decoding, so that they get one clear error instead of one per key.
func checkShipyardHeader(file string, data []byte) *yamlfile.Doc {
	head := yamlfile.ReadHead(data)
	if head.Set("apiVersion") || !head.Set("stages") && !head.Set("version") {
		return nil
	}
	d := yamlfile.NewDoc(file)
	d.Errorf("", "no apiVersion: this is a Keptn 0.1.x (legacy) shipyard; ferry reads spec.keptn.sh/0.2.x (convert it with \"keptn upgrade project --shipyard\" from Keptn 0.8, or rewrite stages[] as spec.stages[].sequences)")
	return d
}

func (s *Shipyard) validate(d *yamlfile.Doc) {
	s.validateHeader(d)
	if len(s.Spec.Stages) == 0 {
		d.Errorf("spec.stages", "a shipyard needs at least one stage")
		return
	}
	stages := map[string]int{}
	for i := range s.Spec.Stages {
		st := &s.Spec.Stages[i]
		path := fmt.Sprintf("spec.stages[%d]", i)
		if why := checkName(st.Name, 0); why != "" {
			d.Errorf(path+".name", "stage name %s", why)
		} else if j, dup := stages[st.Name]; dup {
			d.Errorf(path+".name", "stage %q is defined twice (first as spec.stages[%d])", st.Name, j)
		} else {
			stages[st.Name] = i
		}
		st.validate(d, path)
	}
	s.validateTriggers(d)
}

func (s *Shipyard) validateHeader(d *yamlfile.Doc) {
	v, ok := strings.CutPrefix(s.APIVersion, "spec.keptn.sh/")
	switch {
	case s.APIVersion == "":
		d.Errorf("apiVersion", "missing apiVersion (want spec.keptn.sh/0.2.0 to 0.2.4)")
	case !ok || !slices.Contains(shipyardVersions, v):
		d.Errorf("apiVersion", "unsupported apiVersion %q (want spec.keptn.sh/0.2.0 to 0.2.4)", s.APIVersion)
	}
	if s.Kind != "Shipyard" {
		d.Errorf("kind", "kind must be \"Shipyard\", got %q", s.Kind)
	}
	if s.Metadata.Name == "" {
		d.Errorf("metadata.name", "the shipyard needs a metadata.name")
	}
}

func (st *Stage) validate(d *yamlfile.Doc, path string) {
	seqs := map[string]int{}
	for i := range st.Sequences {
		seq := &st.Sequences[i]
		sp := fmt.Sprintf("%s.sequences[%d]", path, i)
		if why := checkName(seq.Name, 0); why != "" {
			d.Errorf(sp+".name", "sequence name %s", why)
		} else if j, dup := seqs[seq.Name]; dup {
			d.Errorf(sp+".name", "sequence %q is defined twice in stage %q (first as sequences[%d])", seq.Name, st.Name, j)
		} else {
			seqs[seq.Name] = i
		}
		if len(seq.Tasks) == 0 {
			d.Errorf(sp+".tasks", "sequence %q has no tasks", seq.Name)
		}
		seen := map[string]bool{}
		for k := range seq.Tasks {
			t := &seq.Tasks[k]
			tp := fmt.Sprintf("%s.tasks[%d]", sp, k)
			if seen[t.Name] {
				d.Warnf(tp+".name", "task %q appears twice in sequence %q; both run, in order", t.Name, seq.Name)
			}
			seen[t.Name] = true
			t.validate(d, tp)
		}
	}
}

// validate type-checks the properties of the tasks ferry runs itself.
func (t *Task) validate(d *yamlfile.Doc, path string) {
	if why := checkName(t.Name, 0); why != "" {
		d.Errorf(path+".name", "task name %s", why)
	}
	if t.TriggeredAfter != "" {
		if _, why := parseDuration(t.TriggeredAfter); why != "" {
			d.Errorf(path+".triggeredAfter", "triggeredAfter %s", why)
		}
	}
	known, ok := taskProperties[t.Name]
	if !ok {
		if t.Name == "remediation" {
			d.Warnf(path+".name", "the task \"remediation\" was replaced by \"get-action\" and \"action\" in Keptn 0.8.3; ferry runs it as an external task")
		}
		return
	}
	for key, val := range t.Properties {
		pp := path + ".properties." + key
		check, ok := known[key]
		if !ok {
			d.Warnf(pp, "unknown property %q of task %q; ferry ignores it%s", key, t.Name, propertyHint(t.Name))
			continue
		}
		if why := check(val); why != "" {
			d.Errorf(pp, "%s", why)
		}
	}
}

func propertyHint(task string) string {
	var names []string
	for k := range taskProperties[task] {
		names = append(names, k)
	}
	if len(names) == 0 {
		return " (the task takes no properties)"
	}
	sortStrings(names)
	return " (known: " + strings.Join(names, ", ") + ")"
}

type propertyCheck func(any) string

// Names of the tasks ferry runs itself; any other task is external.
const (
	TaskDeployment = "deployment"
	TaskTest       = "test"
	TaskEvaluation = "evaluation"
	TaskApproval   = "approval"
	TaskRelease    = "release"
	TaskRollback   = "rollback"
	TaskGetAction  = "get-action"
	TaskAction     = "action"
)

// taskProperties lists, per task ferry runs itself, the properties it reads.
var taskProperties = map[string]map[string]propertyCheck{
	TaskDeployment: {"deploymentstrategy": oneOf("deploymentstrategy", deploymentStrategies), "settle": durationProp("settle")},
	TaskTest:       {"teststrategy": stringProp("teststrategy"), "duration": durationProp("duration")},
	TaskEvaluation: {"timeframe": durationProp("timeframe")},
	TaskApproval:   {"pass": oneOf("pass", approvalModes), "warning": oneOf("warning", approvalModes)},
	TaskRelease:    {},
	TaskRollback:   {},
	TaskGetAction:  {},
	TaskAction:     {},
}

var approvalModes = map[string]bool{"automatic": true, "manual": true}

func stringProp(name string) propertyCheck {
	return func(v any) string {
		if _, ok := v.(string); !ok {
			return fmt.Sprintf("%s must be a string, got %v", name, v)
		}
		return ""
	}
}

func durationProp(name string) propertyCheck {
	return func(v any) string {
		s, ok := v.(string)
		if !ok {
			return fmt.Sprintf("%s must be a duration such as \"15m\", got %v", name, v)
		}
		if _, why := parseDuration(s); why != "" {
			return name + " " + why
		}
		return ""
	}
}

func oneOf(name string, allowed map[string]bool) propertyCheck {
	return func(v any) string {
		s, _ := v.(string)
		if !allowed[s] {
			var names []string
			for k := range allowed {
				names = append(names, k)
			}
			sortStrings(names)
			return fmt.Sprintf("%s must be one of %s, got %v", name, strings.Join(names, ", "), v)
		}
		return ""
	}
}

// validateTriggers checks that triggers name existing stages, sequences and
// tasks, that selectors ask for results that exist, and that no sequence
// triggers itself.
func (s *Shipyard) validateTriggers(d *yamlfile.Doc) {
	for i, st := range s.Spec.Stages {
		for j, seq := range st.Sequences {
			for k, tr := range seq.TriggeredOn {
				path := fmt.Sprintf("spec.stages[%d].sequences[%d].triggeredOn[%d]", i, j, k)
				s.validateTrigger(d, path, tr)
			}
		}
	}
	s.validateCycles(d)
}

func (s *Shipyard) validateTrigger(d *yamlfile.Doc, path string, tr Trigger) {
	stage, seq, ok := parseEvent(tr.Event)
	if !ok {
		d.Errorf(path+".event", "event %q must read <stage>.<sequence>.finished", tr.Event)
		return
	}
	src := s.Sequence(stage, seq)
	if s.Stage(stage) == nil {
		d.Errorf(path+".event", "event %q names stage %q, which this shipyard does not have (stages: %s)", tr.Event, stage, strings.Join(s.StageNames(), ", "))
	} else if src == nil {
		d.Warnf(path+".event", "event %q names no sequence of this shipyard (no sequence %q in stage %q); the trigger never fires", tr.Event, seq, stage)
	}
	for key, val := range tr.Selector.Match {
		mp := path + ".selector.match." + key
		if task, ok := strings.CutSuffix(key, ".result"); ok {
			if src != nil && !src.HasTask(task) {
				d.Warnf(mp, "sequence %q of stage %q has no task %q; the selector never matches", seq, stage, task)
			}
		} else if key != "result" {
			d.Errorf(mp, "selector key %q: want \"result\" or \"<task>.result\"", key)
			continue
		}
		switch val {
		case ResultPass, ResultWarning, ResultFail:
		case "failed":
			d.Warnf(mp, "result \"failed\" is read as \"fail\" (Keptn emits \"fail\")")
		default:
			d.Errorf(mp, "result %q: want pass, warning or fail", val)
		}
	}
}

// parseEvent splits "<stage>.<sequence>.finished".
func parseEvent(ev string) (stage, seq string, ok bool) {
	rest, ok := strings.CutSuffix(ev, ".finished")
	if !ok {
		return "", "", false
	}
	stage, seq, ok = strings.Cut(rest, ".")
	return stage, seq, ok && stage != "" && seq != "" && !strings.Contains(seq, ".")
}

// RemediationDelay is the triggeredAfter of the evaluation in a stage's
// remediation sequence (one with a get-action or action task): Keptn's way
// to let an action take effect before the SLO is checked. Default one
// minute.
func (s *Shipyard) RemediationDelay(stage string) time.Duration {
	if st := s.Stage(stage); st != nil {
		for _, q := range st.Sequences {
			if !q.HasTask(TaskGetAction) && !q.HasTask(TaskAction) {
				continue
			}
			for i := range q.Tasks {
				if q.Tasks[i].Name == TaskEvaluation && q.Tasks[i].Delay() > 0 {
					return q.Tasks[i].Delay()
				}
			}
		}
	}
	return time.Minute
}

// Worst folds task results: any fail fails, else any warning warns, else
// the result passes.
func Worst(results map[string]string) string {
	out := ResultPass
	for _, r := range results {
		switch r {
		case ResultFail:
			return ResultFail
		case ResultWarning:
			out = ResultWarning
		}
	}
	return out
}

// Entry returns where a new candidate starts: the first stage and its first
// sequence that no trigger starts (seq is empty when it has none).
func (s *Shipyard) Entry() (stage, seq string) {
	first := s.Spec.Stages[0]
	for _, q := range first.Sequences {
		if len(q.TriggeredOn) == 0 {
			return first.Name, q.Name
		}
	}
	return first.Name, ""
}

// Stage returns the stage named name, or nil.
func (s *Shipyard) Stage(name string) *Stage {
	for i := range s.Spec.Stages {
		if s.Spec.Stages[i].Name == name {
			return &s.Spec.Stages[i]
		}
	}
	return nil
}

// StageNames returns the stages in order.
func (s *Shipyard) StageNames() []string {
	out := make([]string, len(s.Spec.Stages))
	for i, st := range s.Spec.Stages {
		out[i] = st.Name
	}
	return out
}

// Sequence returns the sequence seq of stage, or nil.
func (s *Shipyard) Sequence(stage, seq string) *Sequence {
	st := s.Stage(stage)
	if st == nil {
		return nil
	}
	for i := range st.Sequences {
		if st.Sequences[i].Name == seq {
			return &st.Sequences[i]
		}
	}
	return nil
}

// HasTask reports whether the sequence has a task named name.
func (q *Sequence) HasTask(name string) bool {
	for _, t := range q.Tasks {
		if t.Name == name {
			return true
		}
	}
	return false
}

// Result normalises a selector result ("failed" is read as "fail").
func Result(r string) string {
	if r == "failed" {
		return ResultFail
	}
	return r
}

// Next lists the sequences that a finished sequence (stage, seq) with the
// given result and task results triggers, in shipyard order (fan-out is
// allowed). taskResults maps task name to result for "<task>.result"
// selectors.
func (s *Shipyard) Next(stage, seq, result string, taskResults map[string]string) []SequenceRef {
	ev := stage + "." + seq + ".finished"
	var out []SequenceRef
	for _, st := range s.Spec.Stages {
		for _, q := range st.Sequences {
			for _, tr := range q.TriggeredOn {
				if tr.Event == ev && tr.Selector.matches(result, taskResults) {
					out = append(out, SequenceRef{Stage: st.Name, Sequence: q.Name})
					break
				}
			}
		}
	}
	return out
}

// matches applies Keptn's rule: no selector matches a passed (or warning)
// sequence only; every key of a selector must match.
func (sel Selector) matches(result string, taskResults map[string]string) bool {
	if len(sel.Match) == 0 {
		return result == ResultPass || result == ResultWarning
	}
	for key, want := range sel.Match {
		got := result
		if task, ok := strings.CutSuffix(key, ".result"); ok {
			got = taskResults[task]
		}
		if got != Result(want) {
			return false
		}
	}
	return true
}

// SequenceRef names a sequence of a stage.
type SequenceRef struct {
	Stage, Sequence string
}

// Delay returns the task's triggeredAfter delay (zero if none).
func (t *Task) Delay() time.Duration {
	d, _ := parseDuration(t.TriggeredAfter)
	return d
}

// DurationProperty returns a duration property of the task ("settle",
// "timeframe", "duration"), or def when the task has none or it does not
// parse (validation reports that).
func (t *Task) DurationProperty(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(t.Property(key)); err == nil {
		return d
	}
	return def
}

// Property returns a string property of the task.
func (t *Task) Property(key string) string {
	s, _ := t.Properties[key].(string)
	return s
}
