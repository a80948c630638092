package stages

import (
	"fmt"
	"path"

	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/gitstore"
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
func (p *Project) StageFiles(svc, stage string, overrides map[string]any, release *Release) (map[string][]byte, error) {
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

// Release is the release record ferry writes next to a service's manifests
// on a stage branch (release.yaml): what the branch runs.
type Release struct {
	Service     string `yaml:"service"`
	Stage       string `yaml:"stage"`
	Candidate   string `yaml:"candidate"`
	Run         string `yaml:"run"`
	Sequence    string `yaml:"sequence"`
	Pin         string `yaml:"pin"`
	TriggeredBy string `yaml:"triggeredBy,omitempty"`
}

// ReadRelease reads the release record of a service at a stage branch
// commit; nil when the branch holds none.
func ReadRelease(rd gitstore.Reader, commit gitstore.Hash, svc string) (*Release, error) {
	if commit.IsZero() {
		return nil, nil
	}
	p := path.Join(ServicesDir, svc, ReleaseFile)
	data, err := rd.ReadFile(commit, p)
	if gitstore.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r Release
	if err := yaml.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return &r, nil
}

// ReadOverrides reads the runtime values remediation wrote for a service
// at a stage branch commit (overrides.yaml); nil when there are none.
func ReadOverrides(rd gitstore.Reader, commit gitstore.Hash, svc string) (map[string]any, error) {
	if commit.IsZero() {
		return nil, nil
	}
	data, err := rd.ReadFile(commit, path.Join(ServicesDir, svc, OverridesFile))
	if gitstore.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("read overrides of %s: %w", svc, err)
	}
	return m, nil
}
