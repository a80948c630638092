package importer

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/ferrycd/ferry/internal/yamlfile"
	"github.com/ferrycd/ferry/stages"
)

// Options configure an import.
type Options struct {
	// Project names the project in ferry.yaml. Default: the projectName of
	// the upstream's metadata.yaml, else the shipyard's metadata.name.
	Project string
	// SLIProvider is the provider whose <provider>/sli.yaml files are
	// imported. Default: prometheus when the upstream has such a file,
	// else the one provider it has files of (the first by name when it
	// has several, which is reported).
	SLIProvider string
}

// ProviderPrometheus is the SLI provider ferry queries.
const ProviderPrometheus = "prometheus"

// Result is what an import writes and reports.
type Result struct {
	// Files are ferry's files, by path from the repository's root.
	Files stages.Files
	// Report says what was imported, what differs and what was left out.
	Report *Report
	// Diagnostics are the warnings [stages.Load] gives on Files.
	Diagnostics yamlfile.Diagnostics
}

// run holds one import's state.
type run struct {
	u      *Upstream
	opts   Options
	sy     *stages.Shipyard
	order  []string // stages in shipyard order
	files  stages.Files
	report *Report

	projectRes stages.Files                       // default branch, bookkeeping left out
	stageRes   map[string]stages.Files            // stage-wide resources, by stage
	svcRes     map[string]map[string]stages.Files // service files, by service and stage
	provider   string
}

// Import maps a Keptn upstream to ferry's files and checks them with
// [stages.Load]: an error means the result would not load (its message
// lists the diagnostics), or the upstream has no valid shipyard.
func Import(u *Upstream, opts Options) (*Result, error) {
	sy, err := u.shipyard()
	if err != nil {
		return nil, err
	}
	r := &run{
		u: u, opts: opts, sy: sy, order: sy.StageNames(), files: stages.Files{},
		report:   &Report{Source: u.Source, Branch: u.Branch, Layout: u.Layout, Stages: sy.StageNames(), Services: []ServiceReport{}},
		stageRes: map[string]stages.Files{}, svcRes: map[string]map[string]stages.Files{},
	}
	r.project()
	r.shipyardFindings()
	r.classify()
	r.chooseProvider()
	r.projectSLI()
	for _, svc := range slices.Sorted(maps.Keys(r.svcRes)) {
		r.service(svc)
	}
	r.stageSLIs()
	r.leftOver()
	for _, p := range u.TooLarge {
		r.report.add(FindingLeftOut, p, "", "", "larger than %d MiB: not read", stages.MaxFileSize>>20)
	}
	r.report.Files = slices.Sorted(maps.Keys(r.files))
	r.report.sort()
	p, diags := stages.Load(r.files)
	if p == nil {
		return nil, fmt.Errorf("the imported files do not load: %w", diags.Errors())
	}
	return &Result{Files: r.files, Report: r.report, Diagnostics: diags}, nil
}

// project writes shipyard.yaml and ferry.yaml.
func (r *run) project() {
	name := r.opts.Project
	if name == "" {
		name = r.u.metadata().ProjectName
	}
	if name == "" {
		name = r.sy.Metadata.Name
	}
	r.report.Project = name
	r.files[stages.ShipyardFile] = r.u.Default[stages.ShipyardFile]
	r.files[stages.ConfigFile] = []byte(fmt.Sprintf("# Imported from the Keptn project %s (see docs/keptn-import.md).\nproject: %s\n", name, name))
}

// ferryTasks are the tasks ferry runs itself.
var ferryTasks = map[string]bool{
	stages.TaskDeployment: true, stages.TaskTest: true, stages.TaskEvaluation: true, stages.TaskApproval: true,
	stages.TaskRelease: true, stages.TaskRollback: true, stages.TaskGetAction: true, stages.TaskAction: true,
}

// shipyardFindings reports the tasks ferry runs differently: tests and
// external tasks (nobody is told without a subscription in ferry.yaml)
// and blue/green deployments (rendered as direct).
func (r *run) shipyardFindings() {
	for _, st := range r.sy.Spec.Stages {
		for _, q := range st.Sequences {
			for _, t := range q.Tasks {
				at := st.Name + "." + q.Name
				switch {
				case t.Name == stages.TaskTest:
					r.report.add(FindingDiffers, stages.ShipyardFile, st.Name, "",
						"task test in %s has no subscriber: ferry waits for a test report (or the task's duration property) and tells no test tool unless ferry.yaml subscriptions name one", at)
				case t.Name == stages.TaskDeployment && t.Property("deploymentstrategy") == "blue_green_service":
					r.report.add(FindingDiffers, stages.ShipyardFile, st.Name, "",
						"deployment in %s uses blue_green_service: ferry renders it as direct (no generated -primary chart, no traffic shifting; that is the chart's business)", at)
				case !ferryTasks[t.Name]:
					r.report.add(FindingDiffers, stages.ShipyardFile, st.Name, "",
						"task %s in %s is not one ferry runs: it is an external task, recorded as triggered and completed by a report or a timeout; add a ferry.yaml subscription so its tool is told", t.Name, at)
				}
			}
		}
	}
}

// classify sorts the upstream's files into project resources, stage-wide
// resources and service files, leaving out Keptn's bookkeeping.
func (r *run) classify() {
	r.projectRes = stages.Files{}
	for p, data := range r.u.Default {
		switch {
		case p == stages.ShipyardFile || p == MetadataFile:
		case r.u.Layout == LayoutDirectory && strings.HasPrefix(p, StagesDir+"/"):
		default:
			r.projectRes[p] = data
		}
	}
	for _, stage := range slices.Sorted(maps.Keys(r.u.Stages)) {
		if r.sy.Stage(stage) == nil {
			r.report.add(FindingLeftOut, r.u.Where(stage, ""), stage, "", "no stage %q in the shipyard: not imported", stage)
			continue
		}
		files := r.u.Stages[stage]
		svcs := serviceDirs(files)
		r.stageRes[stage] = stages.Files{}
		for p, data := range files {
			dir, rest, _ := strings.Cut(p, "/")
			switch {
			case p == MetadataFile || p == stages.ShipyardFile: // bookkeeping and the shipyard's copy
			case svcs[dir]:
				if r.svcRes[dir] == nil {
					r.svcRes[dir] = map[string]stages.Files{}
				}
				if r.svcRes[dir][stage] == nil {
					r.svcRes[dir][stage] = stages.Files{}
				}
				r.svcRes[dir][stage][rest] = data
			default:
				r.stageRes[stage][p] = data
			}
		}
	}
	for _, stage := range r.order {
		if _, ok := r.u.Stages[stage]; !ok {
			r.report.add(FindingDiffers, r.u.Where(stage, ""), stage, "", "the upstream has no %s for stage %s: nothing of it was imported", map[Layout]string{LayoutBranch: "branch", LayoutDirectory: "directory"}[r.u.Layout], stage)
		}
	}
}

// serviceDirs returns the top directories of a stage's files that are
// services: they hold Keptn's metadata.yaml or a helm/ directory.
func serviceDirs(files stages.Files) map[string]bool {
	out := map[string]bool{}
	for p := range files {
		dir, rest, ok := strings.Cut(p, "/")
		if ok && (rest == MetadataFile || strings.HasPrefix(rest, "helm/")) {
			out[dir] = true
		}
	}
	return out
}

// sliProvider returns the provider of an SLI file's path
// (<provider>/sli.yaml), or "".
func sliProvider(p string) string {
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	if base != "sli.yaml" || dir == "" || strings.Contains(dir, "/") {
		return ""
	}
	return dir
}

// chooseProvider picks the SLI provider whose files are imported.
func (r *run) chooseProvider() {
	found := map[string]bool{}
	note := func(files stages.Files) {
		for p := range files {
			if pr := sliProvider(p); pr != "" {
				found[pr] = true
			}
		}
	}
	note(r.projectRes)
	for _, files := range r.stageRes {
		note(files)
	}
	for _, byStage := range r.svcRes {
		for _, files := range byStage {
			note(files)
		}
	}
	names := slices.Sorted(maps.Keys(found))
	switch {
	case r.opts.SLIProvider != "":
		r.provider = r.opts.SLIProvider
	case found[ProviderPrometheus]:
		r.provider = ProviderPrometheus
	case len(names) > 0:
		r.provider = names[0]
	}
	if len(names) > 1 && r.opts.SLIProvider == "" && !found[ProviderPrometheus] {
		r.report.add(FindingDiffers, "", "", "", "SLI files of several providers (%s): %s's were imported", strings.Join(names, ", "), r.provider)
	}
	if r.provider != "" && r.provider != ProviderPrometheus && found[r.provider] {
		r.report.add(FindingDiffers, "", "", "", "the SLI queries are %s queries: ferry sends SLI queries to Prometheus, so every evaluation fails until they are rewritten in PromQL; the files are kept so that each gate keeps its objectives and fails closed", r.provider)
	}
}

// projectSLI writes the project-wide SLI file.
func (r *run) projectSLI() {
	p := r.provider + "/sli.yaml"
	if data, ok := r.projectRes[p]; ok && r.provider != "" {
		r.files[stages.ProjectSLI] = data
		delete(r.projectRes, p)
	}
}

// leftOver reports every upstream file no step took.
func (r *run) leftOver() {
	for _, p := range slices.Sorted(maps.Keys(r.projectRes)) {
		r.report.add(FindingLeftOut, p, "", "", "%s", leftOutReason(p, r.provider, "project"))
	}
	for _, stage := range slices.Sorted(maps.Keys(r.stageRes)) {
		for _, p := range slices.Sorted(maps.Keys(r.stageRes[stage])) {
			r.report.add(FindingLeftOut, r.u.Where(stage, p), stage, "", "%s", leftOutReason(p, r.provider, "stage"))
		}
	}
}

// leftOutReason says why a project or stage resource was not imported.
func leftOutReason(p, provider, scope string) string {
	if pr := sliProvider(p); pr != "" && pr != provider {
		return fmt.Sprintf("SLI file of provider %s: ferry imports one provider's SLI files (%s)", pr, provider)
	}
	return fmt.Sprintf("a %s-level resource ferry's layout has no place for", scope)
}

// Check renders every service's chart for every stage under the project's
// limits, as ferry validate does; an error lists what failed.
func (res *Result) Check(ctx context.Context) error {
	p, diags := stages.Load(res.Files)
	if p == nil {
		return fmt.Errorf("the imported files do not load: %w", diags.Errors())
	}
	if d := p.CheckCharts(ctx); d.HasErrors() {
		return fmt.Errorf("the imported charts do not render: %w", d.Errors())
	}
	return nil
}
