package stages

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/ferrycd/ferry/evaluator"
)

// GateRequest returns the quality-gate request of a service in a stage over
// window w, for the project as read at commit: Keptn's placeholders (with
// the SLO's filter), the SLO in force with its file as read, and the SLI
// queries in force. History, the earlier evaluations, is the caller's to
// add. hasSLO is false when no SLO applies: as in Keptn, the gate then
// passes with score 0 without querying anything; the placeholders are
// filled all the same. It fails only for a service or stage the project
// does not have.
func (p *Project) GateRequest(svc, stage string, w evaluator.Window, commit string) (req evaluator.Request, hasSLO bool, err error) {
	if p.Services[svc] == nil {
		return evaluator.Request{}, false, fmt.Errorf("gate of %q in %q: no service %q in the project (services: %s)", svc, stage, svc, strings.Join(slices.Sorted(maps.Keys(p.Services)), ", "))
	}
	if p.Shipyard == nil || p.Shipyard.Stage(stage) == nil {
		return evaluator.Request{}, false, fmt.Errorf("gate of %q in %q: no stage %q in %s", svc, stage, stage, ShipyardFile)
	}
	req.Placeholders = evaluator.Placeholders{
		Project: p.Name, Stage: stage, Service: svc, Deployment: p.DeploymentName(stage), Window: w,
	}
	slo, file := p.SLO(svc, stage)
	if slo == nil {
		return req, false, nil
	}
	req.Filter = slo.Filter
	req.SLO = slo
	req.SLOSource = evaluator.SLOSource{File: file, Commit: commit, Content: p.sloText[file]}
	req.Indicators = p.SLIs(svc, stage)
	return req, true, nil
}

// sloTexts keeps the SLO files of services as read, by path, for the
// records of evaluations.
func sloTexts(files Files) map[string]string {
	out := map[string]string{}
	for file, data := range files {
		if strings.HasPrefix(file, ServicesDir+"/") && path.Base(file) == "slo.yaml" {
			out[file] = string(data)
		}
	}
	return out
}
