package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/stages"
)

// svc holds one service's import.
type svc struct {
	name    string
	stages  []string                // stages that have the service, in shipyard order
	res     map[string]stages.Files // its files, by stage
	used    map[string]map[string]bool
	dir     string // services/<name>/
	charts  map[string]*chart
	refName string // the stage whose chart is used
}

// service imports one service.
func (r *run) service(name string) {
	s := &svc{name: name, res: r.svcRes[name], used: map[string]map[string]bool{}, dir: stages.ServicesDir + "/" + name + "/", charts: map[string]*chart{}}
	for _, stage := range r.order {
		if _, ok := s.res[stage]; ok {
			s.stages = append(s.stages, stage)
			s.used[stage] = map[string]bool{MetadataFile: true}
		}
	}
	if len(s.stages) < len(r.order) {
		r.report.add(FindingDiffers, "", "", name, "service %s is in stages %s only: ferry delivers it through every stage its sequence reaches", name, strings.Join(s.stages, ", "))
	}
	for _, stage := range s.stages {
		c, err := r.findChart(s, stage)
		if err != nil {
			r.report.add(FindingLeftOut, r.u.Where(stage, name+"/"+c.src), stage, name, "%v", err)
			continue
		}
		if c != nil {
			s.charts[stage] = c
			if s.refName == "" {
				s.refName = stage
			}
		}
	}
	if s.refName == "" {
		r.report.add(FindingLeftOut, r.u.Where(s.stages[0], name+"/"), "", name, "service %s has no Helm chart in any stage (helm/<chart>/ or helm/<chart>.tgz): ferry needs one, the service was not imported", name)
		r.leaveOut(s, nil)
		return
	}
	r.chartAndValues(s)
	r.sameOrPerStage(s, "slo.yaml")
	r.sameOrPerStage(s, "remediation.yaml")
	r.serviceSLIs(s)
	r.leaveOut(s, s.used)
}

// leaveOut reports the service's files no step used.
func (r *run) leaveOut(s *svc, used map[string]map[string]bool) {
	for _, stage := range s.stages {
		for _, p := range slices.Sorted(maps.Keys(s.res[stage])) {
			if used[stage][p] || p == MetadataFile {
				continue
			}
			r.report.add(FindingLeftOut, r.u.Where(stage, s.name+"/"+p), stage, s.name, "%s", serviceLeftOutReason(s.name, p, r.provider))
		}
	}
}

func serviceLeftOutReason(name, p, provider string) string {
	switch {
	case sliProvider(p) != "" && sliProvider(p) != provider:
		return fmt.Sprintf("SLI file of provider %s: ferry imports one provider's SLI files (%s)", sliProvider(p), provider)
	case strings.HasPrefix(p, "helm/"+name+"-generated"):
		return "Keptn's generated chart for blue_green_service: ferry renders the service's own chart"
	case strings.HasPrefix(p, "helm/"):
		return "not part of the service's chart"
	}
	return "a service resource ferry's layout has no place for (test scripts and tool configuration stay with their tools)"
}

// chartAndValues writes the chart of the reference stage (the first that
// has one), the pin from its values, and per stage the values that differ
// from the chart's, as Keptn's helm-service left them in each stage's copy.
func (r *run) chartAndValues(s *svc) {
	ref := s.charts[s.refName]
	for p, data := range ref.files {
		r.files[s.dir+"chart/"+p] = data
	}
	refValues, err := parseValues(ref.files["values.yaml"])
	if err != nil {
		r.report.add(FindingDiffers, r.u.Where(s.refName, s.name+"/"+ref.src), s.refName, s.name, "values.yaml of the chart does not parse (%v): the pin is taken from the chart's version", err)
	}
	pin, pinText := choosePin(refValues, ref.files["Chart.yaml"])
	data, _ := yaml.Marshal(pin)
	r.files[s.dir+"pin.yaml"] = data
	r.report.Services = append(r.report.Services, ServiceReport{Name: s.name, Chart: r.u.Where(s.refName, s.name+"/"+ref.src), Pin: pinText, PinStage: s.refName, Stages: s.stages})
	if _, ok := pin["image"]; !ok {
		r.report.add(FindingDiffers, r.u.Where(s.refName, s.name+"/"+ref.src), s.refName, s.name, "the chart's values have no image: pin.yaml holds %s; make it the value CI bumps", pinText)
	}
	for _, stage := range s.stages {
		c := s.charts[stage]
		if c == nil {
			if stage != s.refName {
				r.report.add(FindingDiffers, r.u.Where(stage, s.name+"/helm/"), stage, s.name, "no chart in stage %s: ferry renders %s's chart there", stage, s.refName)
			}
			continue
		}
		if stage == s.refName {
			continue
		}
		if diff := chartDiff(ref.files, c.files); len(diff) > 0 {
			r.report.add(FindingDiffers, r.u.Where(stage, s.name+"/"+c.src), stage, s.name, "the chart differs from %s's (%s): ferry renders %s's chart in every stage", s.refName, strings.Join(diff, ", "), s.refName)
		}
		values, err := parseValues(c.files["values.yaml"])
		if err != nil {
			r.report.add(FindingDiffers, r.u.Where(stage, s.name+"/"+c.src+"/values.yaml"), stage, s.name, "does not parse (%v): no stage values imported", err)
			continue
		}
		d := diffValues(refValues, values)
		for k := range pin {
			if v, ok := values[k]; ok && !reflect.DeepEqual(v, pin[k]) {
				r.report.add(FindingDiffers, r.u.Where(stage, s.name+"/"+c.src), stage, s.name, "stage %s runs %s: %s; ferry pins %s (%s's) and promotes it there through the shipyard", stage, k, oneLine(v), pinText, s.refName)
			}
			delete(d, k)
		}
		if len(d) == 0 {
			continue
		}
		out, _ := yaml.Marshal(d)
		r.files[s.dir+"stages/"+stage+"/values.yaml"] = append([]byte("# The values of "+r.u.Where(stage, s.name+"/"+c.src)+" that differ from the chart's.\n"), out...)
	}
}

// choosePin returns the pin: the values' image (a string or a map), else
// the first top-level key naming an image, else the chart's version under
// chartVersion, with its one-line text.
func choosePin(values map[string]any, chartYAML []byte) (map[string]any, string) {
	if v, ok := values["image"]; ok && v != nil && v != "" {
		return map[string]any{"image": v}, "image: " + oneLine(v)
	}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if strings.Contains(strings.ToLower(k), "image") && values[k] != nil && values[k] != "" {
			return map[string]any{k: values[k]}, k + ": " + oneLine(values[k])
		}
	}
	var meta struct {
		Version string `yaml:"version"`
	}
	_ = yaml.Unmarshal(chartYAML, &meta) // the chart's own check reports a bad Chart.yaml
	if meta.Version == "" {
		meta.Version = "0.0.0"
	}
	return map[string]any{"chartVersion": meta.Version}, "chartVersion: " + meta.Version
}

func oneLine(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func parseValues(data []byte) (map[string]any, error) {
	m := map[string]any{}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return map[string]any{}, err
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// diffValues returns what v sets differently from base: maps compared key
// by key, a key base has and v lacks set to null (Helm then drops the
// chart's default).
func diffValues(base, v map[string]any) map[string]any {
	out := map[string]any{}
	for k, bv := range base {
		vv, ok := v[k]
		if !ok {
			out[k] = nil
			continue
		}
		bm, ok1 := bv.(map[string]any)
		vm, ok2 := vv.(map[string]any)
		if ok1 && ok2 {
			if d := diffValues(bm, vm); len(d) > 0 {
				out[k] = d
			}
			continue
		}
		if !reflect.DeepEqual(bv, vv) {
			out[k] = vv
		}
	}
	for k, vv := range v {
		if _, ok := base[k]; !ok {
			out[k] = vv
		}
	}
	return out
}

// chartDiff lists the chart files, other than values.yaml, that differ.
func chartDiff(a, b stages.Files) []string {
	var out []string
	for p, data := range a {
		if other, ok := b[p]; p != "values.yaml" && (!ok || !bytes.Equal(data, other)) {
			out = append(out, p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// sameOrPerStage writes a file of the service (slo.yaml, remediation.yaml)
// at the service level when every stage has the same, else per stage.
func (r *run) sameOrPerStage(s *svc, name string) {
	byStage := map[string][]byte{}
	for _, stage := range s.stages {
		if data, ok := s.res[stage][name]; ok {
			byStage[stage] = data
			s.used[stage][name] = true
		}
	}
	if len(byStage) == 0 {
		return
	}
	if len(byStage) == len(s.stages) && allEqual(byStage) {
		r.files[s.dir+name] = byStage[s.stages[0]]
		return
	}
	for stage, data := range byStage {
		r.files[path.Join(s.dir, "stages", stage, name)] = data
	}
}

func allEqual(m map[string][]byte) bool {
	var first []byte
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if first == nil {
			first = m[k]
		} else if !bytes.Equal(first, m[k]) {
			return false
		}
	}
	return true
}
