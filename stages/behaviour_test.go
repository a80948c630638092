package stages_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/stages"
)

// TestBehaviourWarnings checks the warnings about files that are valid but
// cannot do what they say, and that the setting that answers each one
// silences it.
func TestBehaviourWarnings(t *testing.T) {
	files := loadTxtar(t, "sockshop.txtar")
	files["services/carts/stages/production/slo.yaml"] = []byte("spec_version: '1.0'\nobjectives:\n  - sli: response_time_p95\n    pass: [{criteria: ['<=600']}]\ntotal_score: {pass: 90%}\n")
	files["services/carts/slo.yaml"] = files["services/carts/stages/production/slo.yaml"]
	warnings := func() []string {
		t.Helper()
		p, diags := stages.Load(files)
		if p == nil {
			t.Fatalf("load: %v", diags)
		}
		var out []string
		for _, d := range diags {
			out = append(out, d.Error())
		}
		return out
	}
	want := []string{
		`services/carts/stages/production/remediation.yaml:7:20: warning: spec.remediations[0].problemType: problemType "Response time degradation" matches no alert ferry generates for carts in production (generated: response_time_p95; alerts are named after the SLI): only an alert from elsewhere with alertname="Response time degradation" opens it`,
		`services/carts/stages/production/remediation.yaml:13:20: warning: spec.remediations[1].problemType: problemType "response_time_p90" matches no alert ferry generates for carts in production (generated: response_time_p95; alerts are named after the SLI): only an alert from elsewhere with alertname="response_time_p90" opens it`,
		`shipyard.yaml:14:21: warning: spec.stages[0].sequences[0].tasks[1].name: the test of dev.delivery has neither a duration nor a subscriber (ferry.yaml subscriptions): it ends only by a report to /api/v1/reports or /api/v1/events, else fails at the timeout`,
		`shipyard.yaml:19:17: warning: spec.stages[0].sequences[1].name: sequence dev.delivery-direct never starts on its own (nor staging.delivery-direct, production.delivery-direct, which it triggers): no service starts it and no sequence that runs triggers it; only a commit with a Ferry-Sequence trailer (ferry trigger SERVICE --sequence delivery-direct) or services.<svc>.sequence in ferry.yaml starts it`,
		`shipyard.yaml:35:21: warning: spec.stages[1].sequences[0].tasks[1].name: the test of staging.delivery has neither a duration nor a subscriber (ferry.yaml subscriptions): it ends only by a report to /api/v1/reports or /api/v1/events, else fails at the timeout`,
	}
	if diff := cmp.Diff(want, warnings()); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}

	// A subscriber for the test of staging, carts-db delivered by
	// delivery-direct, and a remediation keyed by the generated alert.
	files["ferry.yaml"] = []byte("services:\n  carts-db:\n    sequence: delivery-direct\nsubscriptions:\n  - tasks: [test]\n    url: http://tests.example/events\n    stages: [staging]\n")
	files["services/carts/stages/production/remediation.yaml"] = []byte(strings.NewReplacer("Response time degradation", "response_time_p95", "response_time_p90", "default").Replace(string(files["services/carts/stages/production/remediation.yaml"])))
	want = []string{want[2]}
	if diff := cmp.Diff(want, warnings()); diff != "" {
		t.Errorf("after the fixes (-want +got):\n%s", diff)
	}

	// A subscription to a stage the shipyard does not have is an error.
	files["ferry.yaml"] = []byte("subscriptions:\n  - tasks: [test]\n    url: http://tests.example/events\n    stages: [qa]\n")
	if _, diags := stages.Load(files); !strings.Contains(diags.Error(), `ferry.yaml:4:14: subscriptions[0].stages[0]: no stage "qa" in shipyard.yaml (stages: dev, staging, production)`) {
		t.Errorf("unknown subscription stage: %v", diags)
	}
}
