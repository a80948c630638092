package stages

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/internal/yamlfile"
	"github.com/ferrycd/ferry/remediator"
	"github.com/ferrycd/ferry/stages/renderer"
)

// Values returns the values a service is rendered with in a stage, lowest
// first: service values.yaml < the stage's values.yaml < pin.yaml <
// runtime overrides (written by remediation), merged key by key. The
// chart's own defaults sit below all of them when the chart is rendered.
// Keptn's helm-service injected keptn.project, keptn.stage, keptn.service
// and keptn.deployment; ferry sets them too, so Keptn charts render as they
// did.
func (p *Project) Values(svc, stage string, overrides map[string]any) map[string]any {
	out := map[string]any{}
	s := p.Services[svc]
	if s == nil {
		return out
	}
	merge(out, s.Values)
	if ss := s.Stages[stage]; ss != nil {
		merge(out, ss.Values)
	}
	merge(out, s.Pin)
	merge(out, overrides)
	keptn := map[string]any{"project": p.Name, "stage": stage, "service": svc, "deployment": p.DeploymentName(stage)}
	merge(out, map[string]any{"keptn": keptn})
	return out
}

// DeploymentName is the keptn.deployment value Keptn charts expect.
func (p *Project) DeploymentName(stage string) string {
	if p.Shipyard == nil {
		return "direct"
	}
	st := p.Shipyard.Stage(stage)
	if st == nil {
		return "direct"
	}
	for _, q := range st.Sequences {
		for _, t := range q.Tasks {
			if t.Name == "deployment" && t.Property("deploymentstrategy") == "blue_green_service" {
				return "primary"
			}
		}
	}
	return "direct"
}

// merge copies src into dst; nested maps merge, anything else replaces.
func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
			cp := map[string]any{}
			merge(cp, sm)
			dst[k] = cp
			continue
		}
		dst[k] = v
	}
}

// Namespace is the namespace a stage renders into, as Keptn named it:
// <project>-<stage>.
func (p *Project) Namespace(stage string) string { return p.Config.Namespace(p.Name, stage) }

// Render renders a service's chart for a stage with the Helm SDK, offline:
// no cluster, no network, lookup returns nothing. The output is the
// manifests in template-name order, each preceded by "# Source:", the same
// bytes for the same inputs. The render runs under p.RenderLimits, in a
// worker process (see package renderer): a chart that does not render in
// time, renders too much or needs too much memory fails with the reason.
func (p *Project) Render(svc, stage string, overrides map[string]any) ([]byte, error) {
	return p.RenderContext(context.Background(), svc, stage, overrides)
}

// RenderContext is Render, stopped early when ctx is done.
func (p *Project) RenderContext(ctx context.Context, svc, stage string, overrides map[string]any) ([]byte, error) {
	s := p.Services[svc]
	if s == nil {
		return nil, fmt.Errorf("render %s: no service %q", svc, svc)
	}
	if p.Shipyard == nil || p.Shipyard.Stage(stage) == nil {
		return nil, fmt.Errorf("render %s: no stage %q", svc, stage)
	}
	req := &renderer.Request{
		Chart:     s.Chart,
		ChartDir:  path.Join(ServicesDir, svc, "chart"),
		Release:   svc,
		Namespace: p.Namespace(stage),
		Values:    p.Values(svc, stage, overrides),
	}
	out, err := renderer.Render(ctx, req, p.RenderLimits)
	if err != nil {
		return nil, fmt.Errorf("render %s for %s: %w", svc, stage, err)
	}
	return out, nil
}

// Check validates a project as ferry run reads it: its files (see [Load]),
// then every chart rendered for every stage under the project's render
// limits (see [Project.CheckCharts]). It returns the project (nil when its
// files are invalid) and every diagnostic; a chart that does not render is
// an error but leaves the project.
func Check(ctx context.Context, files Files, limits renderer.Options) (*Project, yamlfile.Diagnostics) {
	p, diags := Load(files)
	if p != nil {
		p.RenderLimits = limits
		diags = append(diags, p.CheckCharts(ctx)...)
	}
	return p, diags
}

// CheckCharts renders every service's chart for every stage under the
// project's render limits, as the loop will, and reports each failure as an
// error on the service's Chart.yaml.
func (p *Project) CheckCharts(ctx context.Context) yamlfile.Diagnostics {
	var diags yamlfile.Diagnostics
	if p.Shipyard == nil {
		return nil
	}
	for _, svc := range slices.Sorted(maps.Keys(p.Services)) {
		for _, stage := range p.Shipyard.StageNames() {
			if _, err := p.RenderContext(ctx, svc, stage, nil); err != nil {
				diags = append(diags, yamlfile.Diagnostic{
					File: path.Join(ServicesDir, svc, "chart", "Chart.yaml"), Line: 1, Column: 1,
					Severity: yamlfile.SeverityError, Message: err.Error(),
				})
			}
			if ctx.Err() != nil {
				return diags
			}
		}
	}
	return diags
}

// AlertRules returns the alerting rules of a service in a stage: one per
// objective with an absolute pass criterion of the SLO in force, when the
// stage also has a remediation file (alerts exist to be remediated).
func (p *Project) AlertRules(svc, stage string) ([]remediator.Rule, error) {
	slo, _ := p.SLO(svc, stage)
	if slo == nil || p.Remediation(svc, stage) == nil {
		return nil, nil
	}
	opts := remediator.RuleOptions{}
	if d, why := parseDuration(p.Config.Alerts.Window); why == "" {
		opts.Window = d
	}
	if d, why := parseDuration(p.Config.Alerts.For); why == "" {
		opts.For = d
	}
	ph := evaluator.Placeholders{Project: p.Name, Stage: stage, Service: svc, Deployment: p.DeploymentName(stage)}
	return remediator.AlertRules(ph, slo, p.SLIs(svc, stage), opts)
}

// AlertRuleGroup names the rule group of a service in a stage.
func AlertRuleGroup(svc, stage string) string { return svc + "-" + stage + "-slo" }
