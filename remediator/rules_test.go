package remediator_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/remediator"
)

const rulesSLO = `spec_version: "1.0"
filter: {handler: addToCart}
objectives:
  - sli: response_time_p95
    displayName: Response time P95
    pass:
      - criteria: ["<=+10%", "<600"]
    warning:
      - criteria: ["<=800"]
  - sli: error_rate
    pass:
      - criteria: ["<=1"]
      - criteria: ["<=+5%"]
  - sli: throughput
    pass:
      - criteria: [">=10", "<=1000"]
      - criteria: [">=5"]
  - sli: memory
total_score: {pass: "90%"}
`

var rulesSLIs = map[string]string{
	"response_time_p95": `histogram_quantile(0.95, sum by(le) (rate(http_latency_bucket{job="$SERVICE-$STAGE",handler="$handler"}[$DURATION_SECONDS])))`,
	"error_rate":        `sum(rate(http_errors_total{job="$SERVICE-$STAGE"}[$DURATION_SECONDS]))`,
	"throughput":        `sum(rate(http_requests_total{job="$SERVICE-$STAGE"}[$DURATION_SECONDS]))`,
	"memory":            `sum(container_memory_bytes{job="$SERVICE-$STAGE"})`,
}

func rules(t *testing.T) []remediator.Rule {
	t.Helper()
	slo, d := evaluator.ParseSLO("slo.yaml", []byte(rulesSLO))
	if slo == nil {
		t.Fatal(d.Diagnostics().Error())
	}
	r, err := remediator.AlertRules(evaluator.Placeholders{Project: "sockshop", Stage: "production", Service: "carts"}, slo, rulesSLIs, remediator.RuleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAlertRulesFromSLO(t *testing.T) {
	got := rules(t)
	// error_rate has a block of only relative criteria (it may hold): no
	// rule; memory has no pass criteria: no rule.
	var names []string
	for _, r := range got {
		names = append(names, r.Alert)
	}
	if diff := cmp.Diff([]string{"response_time_p95", "throughput"}, names); diff != "" {
		t.Fatalf("alerts (-want +got):\n%s", diff)
	}
	p95 := `((histogram_quantile(0.95, sum by(le) (rate(http_latency_bucket{job="carts-production",handler="addToCart"}[60s])))) >= 600)`
	if got[0].Expr != p95 {
		t.Errorf("p95 expr =\n%s\nwant\n%s", got[0].Expr, p95)
	}
	q := `(sum(rate(http_requests_total{job="carts-production"}[60s])))`
	if want := "(" + q + " < 10 or " + q + " > 1000) and (" + q + " < 5)"; got[1].Expr != want {
		t.Errorf("throughput expr =\n%s\nwant\n%s", got[1].Expr, want)
	}
	if got[0].For != "1m" || got[0].Labels["service"] != "carts" || got[0].Labels["stage"] != "production" || got[0].Labels["project"] != "sockshop" {
		t.Errorf("rule metadata: %+v", got[0])
	}
}

// TestPromtoolAcceptsTheRules checks both renderings with the real
// Prometheus's rule checker.
func TestPromtoolAcceptsTheRules(t *testing.T) {
	promtool := e2e.Binary(t, "promtool")
	dir := t.TempDir()
	file, err := remediator.RuleFile("carts-production-slo", rules(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS: 2 rules found") {
		t.Errorf("promtool check rules: %v\n%s\n%s", err, out, file)
	}
	pr, err := remediator.PrometheusRule("carts-slo", "sockshop-production", "carts-production-slo", rules(t))
	if err != nil || !strings.Contains(string(pr), "kind: PrometheusRule") || !strings.Contains(string(pr), "namespace: sockshop-production") {
		t.Errorf("PrometheusRule: %v\n%s", err, pr)
	}
}
