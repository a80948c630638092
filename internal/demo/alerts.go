package demo

import (
	"context"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/internal/promserver"
	"github.com/ferrycd/ferry/remediator"
)

// alerts evaluates production's alert rules (alerts.yaml on the stage
// branch) every second and sends what fires to ferry, as Prometheus and
// Alertmanager would.
func (w *world) alerts(ctx context.Context) {
	a := &promserver.Alerter{S: w.prom}
	announced := false
	for ctx.Err() == nil {
		snap := w.snapshot()
		if data, err := w.view.ReadFile(snap.Get(w.view.StageRef("production")), "services/carts/alerts.yaml"); err == nil {
			if fired, err := a.Evaluate(ctx, time.Now(), alertRules(data)); err == nil && len(fired) > 0 {
				if !announced && fired[0].Status == "firing" {
					w.n.say("bad", "alert %s fires: %s", fired[0].Labels["alertname"], fired[0].Annotations["summary"])
					announced = true
				}
				_ = promserver.Notify(ctx, w.hooks+"/hooks/alertmanager", secret, fired)
			}
		}
		time.Sleep(time.Second)
	}
}

// alertRules reads the rules of a PrometheusRule; nil if it does not parse.
func alertRules(data []byte) []promserver.AlertRule {
	var pr struct {
		Spec struct {
			Groups []remediator.RuleGroup `yaml:"groups"`
		} `yaml:"spec"`
	}
	if yaml.Unmarshal(data, &pr) != nil {
		return nil
	}
	var out []promserver.AlertRule
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			d, _ := time.ParseDuration(r.For)
			out = append(out, promserver.AlertRule{Name: r.Alert, Expr: r.Expr, For: d, Labels: r.Labels, Annotations: r.Annotations})
		}
	}
	return out
}
