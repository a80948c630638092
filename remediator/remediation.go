package remediator

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ferrycd/ferry/internal/yamlfile"
)

// Remediation is a Keptn remediation.yaml, spec.keptn.sh/0.1.4.
type Remediation struct {
	APIVersion string          `yaml:"apiVersion" json:"apiVersion"`
	Kind       string          `yaml:"kind" json:"kind"`
	Metadata   Metadata        `yaml:"metadata" json:"metadata"`
	Spec       RemediationSpec `yaml:"spec" json:"spec"`
}

// Metadata names the file.
type Metadata struct {
	Name string `yaml:"name" json:"name"`
}

// RemediationSpec lists the remediations by problem type.
type RemediationSpec struct {
	Remediations []Problem `yaml:"remediations" json:"remediations"`
}

// Problem lists the actions for one problem type.
type Problem struct {
	ProblemType   string    `yaml:"problemType" json:"problemType"`
	ActionsOnOpen []*Action `yaml:"actionsOnOpen" json:"actionsOnOpen"`
}

// Action is one remediation action. Value is free-form, as in Keptn.
type Action struct {
	Name        string `yaml:"name" json:"name"`
	Action      string `yaml:"action" json:"action"`
	Description string `yaml:"description" json:"description,omitempty"`
	Value       any    `yaml:"value" json:"value,omitempty"`
}

// Actions ferry runs itself. "toggle-feature" is Keptn's spelling of
// togglefeature in its examples.
const (
	ActionScaling       = "scaling"
	ActionToggleFeature = "togglefeature"
	ActionRollback      = "rollback"
	ActionEscalate      = "escalate"
)

// DefaultProblem is the problem type that matches any problem.
const DefaultProblem = "default"

// Kind returns the action ferry runs for a, or "" for an external action.
func (a *Action) Kind() string {
	switch strings.ToLower(a.Action) {
	case ActionScaling:
		return ActionScaling
	case ActionToggleFeature, "toggle-feature":
		return ActionToggleFeature
	case ActionRollback:
		return ActionRollback
	case ActionEscalate:
		return ActionEscalate
	}
	return ""
}

// ParseRemediation parses and validates a remediation file. external names
// the actions that another tool runs (ferry.yaml); other unknown actions
// are reported as warnings and also run as external actions.
func ParseRemediation(file string, data []byte, external []string) (*Remediation, *yamlfile.Doc) {
	if d := checkHeader(file, data); d != nil {
		return nil, d
	}
	var r Remediation
	d := yamlfile.Decode(file, data, &r)
	if d.HasErrors() {
		return nil, d
	}
	r.validate(d, external)
	if d.HasErrors() {
		return nil, d
	}
	return &r, d
}

// checkHeader gives legacy remediation files one clear error.
func checkHeader(file string, data []byte) *yamlfile.Doc {
	head := yamlfile.ReadHead(data)
	if head.Set("apiVersion") {
		return nil
	}
	d := yamlfile.NewDoc(file)
	switch {
	case head.Set("version"):
		d.Errorf("version", "\"version: %s\" is the draft remediation format, never implemented by Keptn; ferry reads apiVersion: spec.keptn.sh/0.1.4 with spec.remediations[].problemType and actionsOnOpen", head["version"].Value)
	case head.Set("remediations"):
		d.Errorf("remediations", "this is the Keptn 0.6 remediation format; ferry reads apiVersion: spec.keptn.sh/0.1.4 with spec.remediations[].problemType and actionsOnOpen")
	default:
		return nil
	}
	return d
}

func (r *Remediation) validate(d *yamlfile.Doc, external []string) {
	if r.APIVersion != "spec.keptn.sh/0.1.4" {
		d.Errorf("apiVersion", "unsupported apiVersion %q (want spec.keptn.sh/0.1.4)", r.APIVersion)
	}
	if r.Kind != "Remediation" {
		d.Errorf("kind", "kind must be \"Remediation\", got %q", r.Kind)
	}
	if len(r.Spec.Remediations) == 0 {
		d.Warnf("spec.remediations", "no remediations: problems in this stage are escalated at once")
	}
	seen := map[string]int{}
	for i, p := range r.Spec.Remediations {
		path := fmt.Sprintf("spec.remediations[%d]", i)
		if strings.TrimSpace(p.ProblemType) == "" {
			d.Errorf(path+".problemType", "a remediation needs a problemType (a problem title, a root cause or \"default\")")
		} else if j, dup := seen[p.ProblemType]; dup {
			d.Errorf(path+".problemType", "problemType %q is listed twice (first in spec.remediations[%d])", p.ProblemType, j)
		} else {
			seen[p.ProblemType] = i
		}
		n := 0
		for k, a := range p.ActionsOnOpen {
			if a == nil {
				continue
			}
			n++
			a.validate(d, fmt.Sprintf("%s.actionsOnOpen[%d]", path, k), external)
		}
		if n == 0 {
			d.Warnf(path, "problemType %q has no actions: it is escalated at once", p.ProblemType)
		}
	}
}

var scalingValue = regexp.MustCompile(`^([+-]?\d+%?|=\d+)$`)

func (a *Action) validate(d *yamlfile.Doc, path string, external []string) {
	if strings.TrimSpace(a.Action) == "" {
		d.Errorf(path+".action", "an action needs an action name (scaling, togglefeature, rollback, escalate or an external one)")
		return
	}
	switch a.Kind() {
	case ActionScaling:
		switch v := fmt.Sprint(a.Value); {
		case a.Value == nil:
			d.Errorf(path+".value", "scaling needs a value: +N, -N, +N%%, -N%% or =N replicas (a bare N adds N, as in Keptn)")
		case !scalingValue.MatchString(v):
			d.Errorf(path+".value", "scaling value %q: want +N, -N, +N%%, -N%% or =N replicas (a bare N adds N, as in Keptn)", v)
		}
	case ActionToggleFeature:
		if _, ok := a.Value.(map[string]any); !ok {
			d.Errorf(path+".value", "togglefeature value must map values keys to the values to set, e.g. {EnablePromotion: \"off\"}")
		}
	case "":
		if !slices.Contains(external, a.Action) {
			d.Warnf(path+".action", "action %q is not one ferry runs (scaling, togglefeature, rollback, escalate); it runs as an external action completed by a report (list it under remediation.externalActions in ferry.yaml to say so)", a.Action)
		}
	}
}

// Actions returns the actions for a problem: those listed for its root
// cause, else for its title, else for "default".
func (r *Remediation) Actions(rootCause, title string) []*Action {
	for _, key := range []string{rootCause, title, DefaultProblem} {
		if key == "" {
			continue
		}
		for _, p := range r.Spec.Remediations {
			if p.ProblemType == key {
				var out []*Action
				for _, a := range p.ActionsOnOpen {
					if a != nil {
						out = append(out, a)
					}
				}
				return out
			}
		}
	}
	return nil
}
