package stages

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/internal/yamlfile"
	"github.com/ferrycd/ferry/remediator"
	"github.com/ferrycd/ferry/stages/renderer"
)

// Files are the files of a project at one commit, by slash-separated path.
type Files map[string][]byte

// Well-known paths on main.
const (
	ShipyardFile = "shipyard.yaml"
	ConfigFile   = "ferry.yaml"
	ProjectSLI   = "sli.yaml"
	HoldsDir     = "holds"
	ServicesDir  = "services"
)

// Project is everything ferry reads from main at one commit.
type Project struct {
	Name     string
	Shipyard *Shipyard
	Config   *Config
	// SLI is the project-wide sli.yaml, if any.
	SLI *evaluator.SLIFile
	// Holds are the stage-wide holds (holds/<stage>.yaml), by stage.
	Holds map[string]*Hold
	// Services by name.
	Services map[string]*Service
	// RenderLimits bound each render of a service's chart (Render,
	// StageFiles); the zero value means renderer's defaults. They come
	// from whoever runs ferry, never from the repository.
	RenderLimits renderer.Options

	// Invalid are the services left out because their own files are
	// invalid, with the reason (see LoadIsolated).
	Invalid map[string]error

	// sloText holds the SLO files as read, by path.
	sloText map[string]string
}

// Service is one directory below services/.
type Service struct {
	Name        string
	Pin         Pin
	Values      map[string]any
	Chart       Files // below chart/, by path relative to it
	SLI         *evaluator.SLIFile
	SLO         *evaluator.SLO
	Remediation *remediator.Remediation
	// Stages holds the per-stage overrides, by stage.
	Stages map[string]*ServiceStage
}

// ServiceStage holds a service's files for one stage.
type ServiceStage struct {
	Values      map[string]any
	SLI         *evaluator.SLIFile
	SLO         *evaluator.SLO
	Remediation *remediator.Remediation
	Hold        *Hold
}

// fileLoader collects parsed files and their diagnostics.
type fileLoader struct {
	files Files
	docs  map[string]*yamlfile.Doc
	diags yamlfile.Diagnostics
}

func (l *fileLoader) keep(file string, d *yamlfile.Doc) {
	l.docs[file] = d
	l.diags = append(l.diags, d.Diagnostics()...)
}

func (l *fileLoader) errorf(file, pathInFile, format string, args ...any) {
	d := l.docs[file]
	if d == nil {
		d = yamlfile.NewDoc(file)
	}
	nd := yamlfile.NewDoc(file)
	p := d.Pos(pathInFile)
	msg := fmt.Sprintf(format, args...)
	if pathInFile != "" {
		msg = pathInFile + ": " + msg
	}
	l.diags = append(l.diags, yamlfile.Diagnostic{File: nd.File, Line: p.Line, Column: p.Column, Severity: yamlfile.SeverityError, Message: msg})
}

func (l *fileLoader) warnf(file, format string, args ...any) {
	l.warnAt(file, "", format, args...)
}

// Load parses every input of a project and validates them together. It
// returns the project (nil when any error was found) and every diagnostic,
// sorted by file and position.
func Load(files Files) (*Project, yamlfile.Diagnostics) {
	l := &fileLoader{files: files, docs: map[string]*yamlfile.Doc{}}
	l.dropLarge()
	p := &Project{Holds: map[string]*Hold{}, Services: map[string]*Service{}, sloText: sloTexts(l.files)}
	p.Config = l.config()
	p.Shipyard = l.shipyard()
	switch {
	case p.Config != nil && p.Config.Project != "":
		p.Name = p.Config.Project
	case p.Shipyard != nil:
		p.Name = p.Shipyard.Metadata.Name
	}
	if data, ok := l.files[ProjectSLI]; ok {
		p.SLI = keepParsed(l, ProjectSLI, data, evaluator.ParseSLI)
	}
	l.holds(p)
	for _, name := range serviceNames(l.files) {
		p.Services[name] = l.service(p, name)
	}
	l.crossCheck(p)
	l.diags.Sort()
	if l.diags.HasErrors() {
		return nil, l.diags
	}
	return p, l.diags
}

func keepParsed[T any](l *fileLoader, file string, data []byte, parse func(string, []byte) (*T, *yamlfile.Doc)) *T {
	v, d := parse(file, data)
	l.keep(file, d)
	return v
}

func (l *fileLoader) config() *Config {
	data, ok := l.files[ConfigFile]
	if !ok {
		return DefaultConfig()
	}
	c, d := ParseConfig(ConfigFile, data)
	l.keep(ConfigFile, d)
	if c == nil {
		return DefaultConfig()
	}
	return c
}

func (l *fileLoader) shipyard() *Shipyard {
	data, ok := l.files[ShipyardFile]
	if !ok {
		l.errorf(ShipyardFile, "", "no shipyard.yaml at the top of the repository: ferry needs one to know the stages")
		return nil
	}
	s, d := ParseShipyard(ShipyardFile, data)
	l.keep(ShipyardFile, d)
	return s
}

func (l *fileLoader) holds(p *Project) {
	for file, data := range l.files {
		dir, name := path.Split(file)
		if dir != HoldsDir+"/" {
			continue
		}
		stage, ok := strings.CutSuffix(name, ".yaml")
		if !ok {
			l.warnf(file, "ferry reads holds/<stage>.yaml only; this file is ignored")
			continue
		}
		if h := keepParsed(l, file, data, ParseHold); h != nil {
			h.File = file
			p.Holds[stage] = h
		}
	}
}

// serviceNames lists the directories below services/, sorted.
func serviceNames(files Files) []string {
	seen := map[string]bool{}
	for file := range files {
		rest, ok := strings.CutPrefix(file, ServicesDir+"/")
		if !ok {
			continue
		}
		if name, _, ok := strings.Cut(rest, "/"); ok {
			seen[name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func (l *fileLoader) service(p *Project, name string) *Service {
	dir := ServicesDir + "/" + name + "/"
	s := &Service{Name: name, Chart: Files{}, Stages: map[string]*ServiceStage{}}
	if why := checkName(name, MaxServiceName); why != "" {
		l.errorf(dir+"pin.yaml", "", "service name %s (the directory %s)", why, dir)
	}
	ext := p.Config.Remediation.ExternalActions
	for file, data := range l.files {
		rest, ok := strings.CutPrefix(file, dir)
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(rest, "chart/"):
			s.Chart[strings.TrimPrefix(rest, "chart/")] = data
		case rest == "pin.yaml":
			pin, d := ParsePin(file, data)
			l.keep(file, d)
			s.Pin = pin
		case rest == "values.yaml":
			s.Values = l.values(file, data)
		case rest == "sli.yaml":
			s.SLI = keepParsed(l, file, data, evaluator.ParseSLI)
		case rest == "slo.yaml":
			s.SLO = keepParsed(l, file, data, evaluator.ParseSLO)
		case rest == "remediation.yaml":
			r, d := remediator.ParseRemediation(file, data, ext)
			l.keep(file, d)
			s.Remediation = r
		case strings.HasPrefix(rest, "stages/"):
			l.serviceStage(s, file, strings.TrimPrefix(rest, "stages/"), data, ext)
		default:
			if strings.HasSuffix(rest, ".yaml") || strings.HasSuffix(rest, ".yml") {
				l.warnf(file, "ferry does not read %s (it reads pin.yaml, values.yaml, sli.yaml, slo.yaml, remediation.yaml, chart/ and stages/<stage>/)", rest)
			}
		}
	}
	if _, ok := s.Chart["Chart.yaml"]; !ok {
		l.errorf(dir+"chart/Chart.yaml", "", "service %q has no chart: put the unpacked Helm chart in %schart/", name, dir)
	}
	return s
}

func (l *fileLoader) serviceStage(s *Service, file, rest string, data []byte, ext []string) {
	stage, name, ok := strings.Cut(rest, "/")
	if !ok {
		return
	}
	st := s.Stages[stage]
	if st == nil {
		st = &ServiceStage{}
		s.Stages[stage] = st
	}
	switch name {
	case "values.yaml":
		st.Values = l.values(file, data)
	case "sli.yaml":
		st.SLI = keepParsed(l, file, data, evaluator.ParseSLI)
	case "slo.yaml":
		st.SLO = keepParsed(l, file, data, evaluator.ParseSLO)
	case "remediation.yaml":
		r, d := remediator.ParseRemediation(file, data, ext)
		l.keep(file, d)
		st.Remediation = r
	case "hold.yaml":
		st.Hold = keepParsed(l, file, data, ParseHold)
		if st.Hold != nil {
			st.Hold.File = file
		}
	default:
		l.warnf(file, "ferry does not read %s (it reads values.yaml, sli.yaml, slo.yaml, remediation.yaml and hold.yaml here)", name)
	}
}

func (l *fileLoader) values(file string, data []byte) map[string]any {
	var m map[string]any
	d := yamlfile.Decode(file, data, &m)
	l.keep(file, d)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// crossCheck validates what single files cannot: names of stages used in
// paths, SLIs named by objectives, evaluations without an SLO.
func (l *fileLoader) crossCheck(p *Project) {
	if p.Shipyard == nil {
		return
	}
	for stage := range p.Holds {
		if p.Shipyard.Stage(stage) == nil {
			l.errorf(HoldsDir+"/"+stage+".yaml", "", "no stage %q in shipyard.yaml (stages: %s)", stage, strings.Join(p.Shipyard.StageNames(), ", "))
		}
	}
	for stage := range p.Config.Stages {
		if p.Shipyard.Stage(stage) == nil {
			l.errorf(ConfigFile, "stages."+stage, "no stage %q in shipyard.yaml", stage)
		}
	}
	l.checkServiceSequences(p)
	l.checkBehaviour(p)
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		s := p.Services[name]
		for stage := range s.Stages {
			if p.Shipyard.Stage(stage) == nil {
				l.errorf(ServicesDir+"/"+name+"/stages/"+stage, "", "no stage %q in shipyard.yaml (stages: %s)", stage, strings.Join(p.Shipyard.StageNames(), ", "))
			}
		}
		l.checkSLIs(p, s)
	}
}

// checkSLIs checks that the SLO in force for the service in each stage
// names only SLIs defined in some layer, and warns about evaluations
// without an SLO.
func (l *fileLoader) checkSLIs(p *Project, s *Service) {
	type miss struct {
		file, path, sli string
	}
	var order []miss
	stagesOf := map[miss][]string{}
	for _, stage := range p.Shipyard.StageNames() {
		slo, file := p.SLO(s.Name, stage)
		if slo == nil {
			if p.stageEvaluates(stage) && s.usesSLOs() {
				l.warnAt(ShipyardFile, p.Shipyard.evaluationPath(stage), "stage %q evaluates but service %q has no SLO there (no %s/%s/slo.yaml nor %[3]s/%[4]s/stages/%[1]s/slo.yaml): as in Keptn, its gate passes with score 0", stage, s.Name, ServicesDir, s.Name)
			}
			continue
		}
		slis := p.SLIs(s.Name, stage)
		for i, o := range slo.Objectives {
			if _, ok := slis[o.SLI]; ok {
				continue
			}
			m := miss{file, fmt.Sprintf("objectives[%d].sli", i), o.SLI}
			if stagesOf[m] == nil {
				order = append(order, m)
			}
			stagesOf[m] = append(stagesOf[m], stage)
		}
	}
	for _, m := range order {
		l.errorf(m.file, m.path, "sli %q is not defined in %s, %s/%s/sli.yaml or %s/%s/stages/<stage>/sli.yaml (for stage %s)",
			m.sli, ProjectSLI, ServicesDir, s.Name, ServicesDir, s.Name, strings.Join(stagesOf[m], ", "))
	}
}

func (p *Project) stageEvaluates(stage string) bool {
	st := p.Shipyard.Stage(stage)
	if st == nil {
		return false
	}
	for _, q := range st.Sequences {
		if q.HasTask("evaluation") {
			return true
		}
	}
	return false
}

// SLIs returns the SLI queries in force for a service in a stage: project
// sli.yaml < service sli.yaml < the service's stage sli.yaml.
func (p *Project) SLIs(svc, stage string) map[string]string {
	s := p.Services[svc]
	if s == nil {
		return evaluator.MergeSLIs(p.SLI)
	}
	var st *evaluator.SLIFile
	if ss := s.Stages[stage]; ss != nil {
		st = ss.SLI
	}
	return evaluator.MergeSLIs(p.SLI, s.SLI, st)
}

// SLO returns the SLO in force for a service in a stage (the stage's file,
// else the service's) and its path, or nil.
func (p *Project) SLO(svc, stage string) (*evaluator.SLO, string) {
	s := p.Services[svc]
	if s == nil {
		return nil, ""
	}
	if ss := s.Stages[stage]; ss != nil && ss.SLO != nil {
		return ss.SLO, ServicesDir + "/" + svc + "/stages/" + stage + "/slo.yaml"
	}
	if s.SLO != nil {
		return s.SLO, ServicesDir + "/" + svc + "/slo.yaml"
	}
	return nil, ""
}

// Remediation returns the remediation file in force for a service in a
// stage (the stage's file, else the service's), or nil.
func (p *Project) Remediation(svc, stage string) *remediator.Remediation {
	s := p.Services[svc]
	if s == nil {
		return nil
	}
	if ss := s.Stages[stage]; ss != nil && ss.Remediation != nil {
		return ss.Remediation
	}
	return s.Remediation
}

// HoldInForce is a hold and where it applies: a stage, or one service in
// it.
type HoldInForce struct {
	*Hold
	Stage, Service string
}

// HoldsInForce lists the holds in force at now, stage-wide ones first.
func (p *Project) HoldsInForce(now time.Time) []HoldInForce {
	var out []HoldInForce
	for _, stage := range slices.Sorted(maps.Keys(p.Holds)) {
		if h := p.Holds[stage]; h.InForce(now) {
			out = append(out, HoldInForce{Hold: h, Stage: stage})
		}
	}
	for _, svc := range slices.Sorted(maps.Keys(p.Services)) {
		for _, stage := range slices.Sorted(maps.Keys(p.Services[svc].Stages)) {
			if h := p.Services[svc].Stages[stage].Hold; h != nil && h.InForce(now) {
				out = append(out, HoldInForce{Hold: h, Stage: stage, Service: svc})
			}
		}
	}
	return out
}

// HoldOn returns the hold in force on a service in a stage at now: the
// stage-wide hold first, then the service's own; nil when none.
func (p *Project) HoldOn(svc, stage string, now time.Time) *Hold {
	if h := p.Holds[stage]; h != nil && h.InForce(now) {
		return h
	}
	if s := p.Services[svc]; s != nil {
		if ss := s.Stages[stage]; ss != nil && ss.Hold != nil && ss.Hold.InForce(now) {
			return ss.Hold
		}
	}
	return nil
}

// Candidates returns, sorted, the services for which a main commit whose
// changed paths are given is a candidate: their directory changed, or the
// project sli.yaml changed and they have an SLO. Holds, ferry.yaml and
// shipyard.yaml change how candidates move, not what is delivered, so they
// create none.
func (p *Project) Candidates(changed []string) []string {
	set := map[string]bool{}
	for _, file := range changed {
		if rest, ok := strings.CutPrefix(file, ServicesDir+"/"); ok {
			if name, _, ok := strings.Cut(rest, "/"); ok && p.Services[name] != nil {
				set[name] = true
			}
			continue
		}
		if file == ProjectSLI {
			for name, s := range p.Services {
				if s.usesSLOs() {
					set[name] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func (s *Service) usesSLOs() bool {
	if s.SLO != nil {
		return true
	}
	for _, st := range s.Stages {
		if st.SLO != nil {
			return true
		}
	}
	return false
}
