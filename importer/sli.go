package importer

import (
	"bytes"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/stages"
)

// serviceSLIs writes a service's SLI files. Keptn merged, per stage,
// project < stage-wide < service (go-utils' GetSLIs; the Keptn docs'
// sli-merged-expected.yaml): the stage-wide and service layers of each
// stage are merged here, service keys winning, and split into ferry's
// service file (the queries every stage has alike) and stage files (the
// rest). ferry's project layer is Keptn's, so the result is the same map
// in every stage. When no stage-wide file applies and every stage has the
// same file, it is copied as it is, comments included.
func (r *run) serviceSLIs(s *svc) {
	if r.provider == "" {
		return
	}
	p := r.provider + "/sli.yaml"
	merged := map[string]map[string]string{}
	byStage := map[string][]byte{}
	wide := false
	for _, stage := range s.stages {
		m := map[string]string{}
		if data, ok := r.stageRes[stage][p]; ok {
			if f := r.parseSLI(r.u.Where(stage, p), stage, "", data); f != nil {
				wide = true
				for k, v := range f.Indicators {
					m[k] = v
				}
			}
		}
		if data, ok := s.res[stage][p]; ok {
			s.used[stage][p] = true
			if f := r.parseSLI(r.u.Where(stage, s.name+"/"+p), stage, s.name, data); f != nil {
				byStage[stage] = data
				for k, v := range f.Indicators {
					m[k] = v
				}
			}
		}
		merged[stage] = m
	}
	if !wide && len(byStage) == len(s.stages) && allEqual(byStage) {
		r.files[s.dir+"sli.yaml"] = byStage[s.stages[0]]
		return
	}
	common := map[string]string{}
	for k, v := range merged[s.stages[0]] {
		same := true
		for _, stage := range s.stages[1:] {
			if w, ok := merged[stage][k]; !ok || w != v {
				same = false
				break
			}
		}
		if same {
			common[k] = v
		}
	}
	if len(common) > 0 {
		r.files[s.dir+"sli.yaml"] = sliFile("the SLI files of every stage of "+s.name+" (the queries they have alike)", common)
	}
	for _, stage := range s.stages {
		rest := map[string]string{}
		for k, v := range merged[stage] {
			if _, ok := common[k]; !ok {
				rest[k] = v
			}
		}
		if len(rest) == 0 {
			continue
		}
		from := r.u.Where(stage, s.name+"/"+p)
		_, hasOwn := s.res[stage][p]
		if _, ok := r.stageRes[stage][p]; ok {
			wideFrom := r.u.Where(stage, p) + " (stage-wide)"
			if hasOwn {
				from = wideFrom + " under " + from
			} else {
				from = wideFrom
			}
		}
		r.files[path.Join(s.dir, "stages", stage, "sli.yaml")] = sliFile(from, rest)
	}
}

// parseSLI parses an upstream SLI file; one that does not parse is
// reported and left out.
func (r *run) parseSLI(where, stage, service string, data []byte) *evaluator.SLIFile {
	f, d := evaluator.ParseSLI(where, data)
	if f == nil {
		r.report.add(FindingLeftOut, where, stage, service, "does not parse: %v", d.Diagnostics().Errors())
	}
	return f
}

// sliFile writes an SLI file of the given queries.
func sliFile(from string, indicators map[string]string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Imported from %s.\n", from)
	out, _ := yaml.Marshal(struct {
		SpecVersion string            `yaml:"spec_version"`
		Indicators  map[string]string `yaml:"indicators"`
	}{"1.0", indicators})
	b.Write(out)
	return b.Bytes()
}

// stageSLIs reports the stage-wide SLI files: merged into the stage layer
// of each service of the stage, or left out when the stage has none.
func (r *run) stageSLIs() {
	if r.provider == "" {
		return
	}
	p := r.provider + "/sli.yaml"
	for _, stage := range slices.Sorted(maps.Keys(r.stageRes)) {
		if _, ok := r.stageRes[stage][p]; !ok {
			continue
		}
		var svcs []string
		for _, name := range slices.Sorted(maps.Keys(r.svcRes)) {
			if _, ok := r.svcRes[name][stage]; ok && r.imported(name) {
				svcs = append(svcs, name)
			}
		}
		delete(r.stageRes[stage], p)
		if len(svcs) == 0 {
			r.report.add(FindingLeftOut, r.u.Where(stage, p), stage, "", "stage-wide SLI file, and the stage has no service to copy it to")
			continue
		}
		r.report.add(FindingMoved, r.u.Where(stage, p), stage, "",
			"stage-wide SLI file: ferry has no stage-wide layer, so its queries were merged into the SLI files of %s for stage %s (services/<svc>/sli.yaml where every stage agrees, else stages/%s/sli.yaml), under each service's own queries as Keptn merged them", strings.Join(svcs, ", "), stage, stage)
	}
}

// imported reports whether a service was imported.
func (r *run) imported(name string) bool {
	_, ok := r.files[stages.ServicesDir+"/"+name+"/pin.yaml"]
	return ok
}
