package stages

import (
	"fmt"
	"path"

	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/remediator"
)

// Files of a service on a stage branch, under services/<svc>/.
const (
	ManifestsFile = "manifests.yaml" // what the agent applies
	ReleaseFile   = "release.yaml"   // ferry's record of the deployment
	OverridesFile = "overrides.yaml" // runtime values written by remediation
	AlertsFile    = "alerts.yaml"    // alert rules generated from the SLO
)

// StageFiles renders what a stage branch holds for a service: the
// manifests with the stage's runtime overrides, the release record, and the
// alert rules of the stage's SLO (nil: the file is removed). Keys are paths
// from the branch's root.
func (p *Project) StageFiles(svc, stage string, overrides, release map[string]any) (map[string][]byte, error) {
	manifests, err := p.Render(svc, stage, overrides)
	if err != nil {
		return nil, err
	}
	rec, err := yaml.Marshal(release)
	if err != nil {
		return nil, fmt.Errorf("encode the release record: %w", err)
	}
	dir := path.Join(ServicesDir, svc)
	files := map[string][]byte{
		path.Join(dir, ManifestsFile): manifests,
		path.Join(dir, ReleaseFile):   rec,
		path.Join(dir, AlertsFile):    nil,
	}
	rules, err := p.AlertRules(svc, stage)
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	if len(rules) > 0 {
		alerts, err := remediator.PrometheusRule(svc+"-slo", p.Namespace(stage), AlertRuleGroup(svc, stage), rules)
		if err != nil {
			return nil, err
		}
		files[path.Join(dir, AlertsFile)] = alerts
	}
	return files, nil
}
