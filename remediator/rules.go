package remediator

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/evaluator"
)

// Defaults for [RuleOptions].
const (
	DefaultRuleWindow = time.Minute
	DefaultRuleFor    = time.Minute
)

// RuleOptions shape the alerting rules generated from an SLO.
type RuleOptions struct {
	// Window replaces $DURATION_SECONDS in the SLI queries. Default 1m.
	Window time.Duration
	// For is how long a violation lasts before the alert fires. Default 1m.
	For time.Duration
}

// Rule is one Prometheus alerting rule.
type Rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// inverse turns a criterion's operator into the one that violates it.
var inverse = map[string]string{"<=": ">", "<": ">=", "=": "!=", ">=": "<", ">": "<="}

var alertName = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// AlertRules turns every objective of slo with an absolute pass criterion
// into an alerting rule: the SLI query over a short window, firing when
// the objective's pass criteria are violated (every block has a violated
// absolute criterion). The alert is named after the SLI, which is the
// problem type a remediation file lists (as Keptn's Prometheus service did).
// Relative criteria compare with earlier evaluations and have no place in
// an alert; objectives with only relative criteria get no rule.
func AlertRules(ph evaluator.Placeholders, slo *evaluator.SLO, slis map[string]string, opts RuleOptions) ([]Rule, error) {
	if opts.Window <= 0 {
		opts.Window = DefaultRuleWindow
	}
	if opts.For <= 0 {
		opts.For = DefaultRuleFor
	}
	ph.Window = evaluator.Window{Start: time.Unix(0, 0), End: time.Unix(0, 0).Add(opts.Window)}
	if ph.Filter == nil {
		ph.Filter = slo.Filter
	}
	var rules []Rule
	var errs []error
	seen := map[string]bool{}
	for _, o := range slo.Objectives {
		if seen[o.SLI] || len(o.Pass) == 0 {
			continue
		}
		expr, ok, err := violation(o, slis, ph)
		if err != nil {
			errs = append(errs, fmt.Errorf("objective %s: %w", o.SLI, err))
			continue
		}
		if !ok {
			continue
		}
		seen[o.SLI] = true
		name := o.DisplayName
		if name == "" {
			name = o.SLI
		}
		rules = append(rules, Rule{
			Alert: alertName.ReplaceAllString(o.SLI, "_"),
			Expr:  expr,
			For:   model(opts.For),
			Labels: map[string]string{
				"project": ph.Project, "stage": ph.Stage, "service": ph.Service, "severity": "warning",
			},
			Annotations: map[string]string{
				"summary":     fmt.Sprintf("%s of %s in %s violates its SLO", name, ph.Service, ph.Stage),
				"description": fmt.Sprintf("%s is {{ $value }}; the pass criteria are %s", name, criteriaText(o.Pass)),
			},
		})
	}
	return rules, errors.Join(errs...)
}

// violation builds the expression that is non-empty when the objective's
// absolute pass criteria fail: within a block any violated criterion (or),
// across blocks all blocks violated (and).
func violation(o *evaluator.Objective, slis map[string]string, ph evaluator.Placeholders) (string, bool, error) {
	raw, ok := slis[o.SLI]
	if !ok {
		return "", false, fmt.Errorf("no query for sli %q", o.SLI)
	}
	query, err := ph.Substitute(raw)
	if err != nil {
		return "", false, err
	}
	var blocks []string
	for _, b := range o.Pass {
		var terms []string
		for _, raw := range b.Criteria {
			c, err := evaluator.ParseCriterion(raw)
			if err != nil {
				return "", false, err
			}
			if c.Relative {
				continue
			}
			terms = append(terms, fmt.Sprintf("(%s) %s %s", query, inverse[c.Op], formatNumber(c.Value)))
		}
		if len(terms) == 0 {
			return "", false, nil // a block with only relative criteria may hold: no alert
		}
		blocks = append(blocks, "("+strings.Join(terms, " or ")+")")
	}
	expr := strings.Join(blocks, " and ")
	if _, err := parser.ParseExpr(expr); err != nil {
		return "", false, fmt.Errorf("the alert expression does not parse: %w", err)
	}
	return expr, true, nil
}

func criteriaText(blocks []evaluator.Criteria) string {
	var bs []string
	for _, b := range blocks {
		bs = append(bs, strings.Join(b.Criteria, " and "))
	}
	return strings.Join(bs, " or ")
}

func formatNumber(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%g", v), ".0") }

// model formats a duration as Prometheus does: 90s, 2m, 1h.
func model(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}

// RuleGroup is a Prometheus rule group.
type RuleGroup struct {
	Name  string `yaml:"name"`
	Rules []Rule `yaml:"rules"`
}

// RuleFile renders rules as a Prometheus rule file (rule_files:).
func RuleFile(group string, rules []Rule) ([]byte, error) {
	return yaml.Marshal(map[string][]RuleGroup{"groups": {{Name: group, Rules: rules}}})
}

// PrometheusRule renders rules as a Prometheus Operator PrometheusRule, the
// form a GitOps agent installs.
func PrometheusRule(name, namespace, group string, rules []Rule) ([]byte, error) {
	doc := map[string]any{
		"apiVersion": "monitoring.coreos.com/v1",
		"kind":       "PrometheusRule",
		"metadata": map[string]any{
			"name": name, "namespace": namespace,
			"labels": map[string]string{"app.kubernetes.io/managed-by": "ferry"},
		},
		"spec": map[string]any{"groups": []RuleGroup{{Name: group, Rules: rules}}},
	}
	return yaml.Marshal(doc)
}
