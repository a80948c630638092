package importer

import (
	"fmt"
	"sort"
	"strings"
)

// FindingKind tells what a finding is about.
type FindingKind string

// Kinds of findings.
const (
	// FindingDiffers is something ferry does differently from Keptn.
	FindingDiffers FindingKind = "differs"
	// FindingLeftOut is a file of the upstream ferry's layout has no
	// place for; it was not imported.
	FindingLeftOut FindingKind = "left-out"
	// FindingMoved is a file imported to a place of a different scope
	// (a stage-wide SLI file copied into each service's stage layer).
	FindingMoved FindingKind = "moved"
)

// Finding is one thing a person should know about an import.
type Finding struct {
	Kind FindingKind `json:"kind"`
	// Path is the upstream file concerned (see [Upstream.Where]), if any.
	Path    string `json:"path,omitempty"`
	Stage   string `json:"stage,omitempty"`
	Service string `json:"service,omitempty"`
	Message string `json:"message"`
}

func (f Finding) String() string {
	var b strings.Builder
	if f.Path != "" {
		b.WriteString(f.Path + ": ")
	}
	b.WriteString(f.Message)
	return b.String()
}

// ServiceReport says how one service was imported.
type ServiceReport struct {
	Name string `json:"name"`
	// Chart is the upstream chart used (a directory or a .tgz archive).
	Chart string `json:"chart"`
	// Pin is the content of pin.yaml, in one line.
	Pin string `json:"pin"`
	// PinStage is the stage whose chart values gave the pin.
	PinStage string `json:"pinStage"`
	// Stages lists the stages that had the service, in shipyard order.
	Stages []string `json:"stages"`
}

// Report is what an import did.
type Report struct {
	Project  string          `json:"project"`
	Source   string          `json:"source"`
	Branch   string          `json:"branch"`
	Layout   Layout          `json:"layout"`
	Stages   []string        `json:"stages"`
	Services []ServiceReport `json:"services"`
	// Files lists the files written, sorted.
	Files    []string  `json:"files"`
	Findings []Finding `json:"findings"`
}

func (r *Report) add(kind FindingKind, where, stage, svc, format string, args ...any) {
	r.Findings = append(r.Findings, Finding{Kind: kind, Path: where, Stage: stage, Service: svc, Message: fmt.Sprintf(format, args...)})
}

// Of returns the findings of one kind.
func (r *Report) Of(kind FindingKind) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

// sort orders the findings by kind, then path, then message.
func (r *Report) sort() {
	order := map[FindingKind]int{FindingDiffers: 0, FindingMoved: 1, FindingLeftOut: 2}
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if order[a.Kind] != order[b.Kind] {
			return order[a.Kind] < order[b.Kind]
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Message < b.Message
	})
}

// CommitMessage is the message of the commit that imports the files: what
// was imported and what was left out.
func (r *Report) CommitMessage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Import Keptn project %s\n\nFrom %s (branch %s, %s).\n\nImported:\n", r.Project, r.Source, r.Branch, r.Layout)
	fmt.Fprintf(&b, "- shipyard.yaml: stages %s\n", strings.Join(r.Stages, ", "))
	for _, s := range r.Services {
		fmt.Fprintf(&b, "- services/%s: chart %s, pin %s (from %s)\n", s.Name, s.Chart, s.Pin, s.PinStage)
	}
	for _, kind := range []FindingKind{FindingDiffers, FindingMoved, FindingLeftOut} {
		fs := r.Of(kind)
		if len(fs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", kindTitle[kind])
		for _, f := range fs {
			fmt.Fprintf(&b, "- %s\n", f)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// kindTitle heads each kind of finding in the commit message and the
// command's output.
var kindTitle = map[FindingKind]string{
	FindingDiffers: "Behaves differently in ferry",
	FindingMoved:   "Moved",
	FindingLeftOut: "Left out",
}

// Title is the heading of a kind of finding.
func (k FindingKind) Title() string { return kindTitle[k] }
