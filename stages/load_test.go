package stages_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/stages"
)

func TestLoadCrossFileErrors(t *testing.T) {
	files := loadTxtar(t, "sockshop.txtar")
	files["holds/qa.yaml"] = []byte("reason: no such stage\n")
	files["services/carts/stages/prod/values.yaml"] = []byte("replicaCount: 5\n")
	files["services/carts/stages/staging/slo.yaml"] = []byte("spec_version: '1.0'\nobjectives:\n  - sli: response_time_p95\n    pass: [{criteria: ['<=600']}]\n  - sli: cpu_seconds\n    pass: [{criteria: ['<=2']}]\ntotal_score: {pass: 90%}\n")
	files["services/Orders/pin.yaml"] = []byte("image: orders:1\n")
	files["ferry.yaml"] = []byte("stages:\n  qa:\n    concurrency: latest\n")
	files["services/carts/notes.yaml"] = []byte("x: 1\n")
	p, diags := stages.Load(files)
	if p != nil {
		t.Fatal("Load returned a project despite errors")
	}
	want := []string{
		`ferry.yaml:3:5: stages.qa: no stage "qa" in shipyard.yaml`,
		`holds/qa.yaml:1:1: no stage "qa" in shipyard.yaml (stages: dev, staging, production)`,
		`services/Orders/chart/Chart.yaml:1:1: service "Orders" has no chart: put the unpacked Helm chart in services/Orders/chart/`,
		`services/Orders/pin.yaml:1:1: service name "Orders" must start with a lower-case letter and hold only lower-case letters, digits and '-', not ending in '-' (the directory services/Orders/)`,
		`services/carts/notes.yaml:1:1: warning: ferry does not read notes.yaml (it reads pin.yaml, values.yaml, sli.yaml, slo.yaml, remediation.yaml, chart/ and stages/<stage>/)`,
		`services/carts/stages/prod:1:1: no stage "prod" in shipyard.yaml (stages: dev, staging, production)`,
		`services/carts/stages/production/remediation.yaml:1:1: warning: remediation in production, where carts has no SLO: ferry generates no alert to open a problem there, and no action can be checked`,
		`services/carts/stages/staging/slo.yaml:5:10: objectives[1].sli: sli "cpu_seconds" is not defined in sli.yaml, services/carts/sli.yaml or services/carts/stages/<stage>/sli.yaml (for stage staging)`,
		`shipyard.yaml:14:21: warning: spec.stages[0].sequences[0].tasks[1].name: the test of dev.delivery has neither a duration nor a subscriber (ferry.yaml subscriptions): it ends only by a report to /api/v1/reports or /api/v1/events, else fails at the timeout`,
		`shipyard.yaml:17:21: warning: spec.stages[0].sequences[0].tasks[2].name: stage "dev" evaluates but service "carts" has no SLO there (no services/carts/slo.yaml nor services/carts/stages/dev/slo.yaml): as in Keptn, its gate passes with score 0`,
		`shipyard.yaml:19:17: warning: spec.stages[0].sequences[1].name: sequence dev.delivery-direct never starts on its own (nor staging.delivery-direct, production.delivery-direct, which it triggers): no service starts it and no sequence that runs triggers it; only a commit with a Ferry-Sequence trailer (ferry trigger SERVICE --sequence delivery-direct) or services.<svc>.sequence in ferry.yaml starts it`,
		`shipyard.yaml:35:21: warning: spec.stages[1].sequences[0].tasks[1].name: the test of staging.delivery has neither a duration nor a subscriber (ferry.yaml subscriptions): it ends only by a report to /api/v1/reports or /api/v1/events, else fails at the timeout`,
		`shipyard.yaml:93:21: warning: spec.stages[2].sequences[3].tasks[2].name: stage "production" evaluates but service "carts" has no SLO there (no services/carts/slo.yaml nor services/carts/stages/production/slo.yaml): as in Keptn, its gate passes with score 0`,
	}
	var got []string
	for _, d := range diags {
		got = append(got, d.Error())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}

func TestLoadWithoutShipyard(t *testing.T) {
	files := loadTxtar(t, "sockshop.txtar")
	delete(files, "shipyard.yaml")
	_, diags := stages.Load(files)
	if len(diags) == 0 || diags[0].Error() != "shipyard.yaml:1:1: no shipyard.yaml at the top of the repository: ferry needs one to know the stages" {
		t.Errorf("diagnostics:\n%s", diags.Error())
	}
}

func TestBadFileKeepsProjectFailingClosed(t *testing.T) {
	files := loadTxtar(t, "sockshop.txtar")
	files["services/carts/stages/staging/slo.yaml"] = []byte("spec_version: '1.0'\nobjectives:\n  - sli: response_time_p95\n    pass: [{criteria: ['fast']}]\ntotal_score: {pass: 90%}\n")
	p, diags := stages.Load(files)
	if p != nil || !diags.HasErrors() {
		t.Fatalf("an invalid SLO must fail the load; got %v", diags)
	}
}
