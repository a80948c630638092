package stages_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/stages"
)

const cycleHead = "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n"

// cyclic are shipyards whose triggers start runs forever, and one whose
// triggers only look like it.
var cyclic = []struct {
	name, src string
	want      []string
}{
	{
		name: "sequence triggered by its own end",
		src: cycleHead + "    - name: dev\n      sequences:\n        - name: delivery\n          tasks: [{name: deployment}]\n" +
			"        - name: again\n          triggeredOn:\n            - event: dev.delivery.finished\n            - event: dev.again.finished\n          tasks: [{name: test}]\n",
		want: []string{
			"shipyard.yaml:13:22: spec.stages[0].sequences[1].triggeredOn[1].event: triggers form a cycle: dev.again → dev.again; each run would start the next forever",
		},
	},
	{
		name: "two sequences of a stage on fail only",
		src: cycleHead + "    - name: dev\n      sequences:\n        - name: delivery\n          tasks: [{name: deployment}]\n" +
			"        - name: a\n          triggeredOn:\n            - event: dev.delivery.finished\n            - event: dev.b.finished\n              selector: {match: {result: fail}}\n          tasks: [{name: deployment}]\n" +
			"        - name: b\n          triggeredOn:\n            - event: dev.a.finished\n          tasks: [{name: test}]\n",
		want: []string{
			"shipyard.yaml:18:22: spec.stages[0].sequences[2].triggeredOn[0].event: triggers form a cycle: dev.a → dev.b → dev.a; each run would start the next forever",
		},
	},
	{
		name: "through three stages",
		src: cycleHead +
			"    - name: dev\n      sequences:\n        - name: delivery\n          tasks: [{name: deployment}]\n" +
			"        - name: again\n          triggeredOn:\n            - event: prod.delivery.finished\n          tasks: [{name: deployment}]\n" +
			"    - name: staging\n      sequences:\n        - name: delivery\n          triggeredOn:\n            - event: dev.delivery.finished\n            - event: dev.again.finished\n          tasks: [{name: deployment}]\n" +
			"    - name: prod\n      sequences:\n        - name: delivery\n          triggeredOn:\n            - event: staging.delivery.finished\n          tasks: [{name: deployment}]\n",
		want: []string{
			"shipyard.yaml:25:22: spec.stages[2].sequences[0].triggeredOn[0].event: triggers form a cycle: staging.delivery → prod.delivery → dev.again → staging.delivery; each run would start the next forever",
		},
	},
	{
		name: "fan-out, a rollback and a remediation loop no run reaches are no cycle",
		src: cycleHead +
			"    - name: dev\n      sequences:\n        - name: delivery\n          tasks: [{name: deployment}]\n" +
			"    - name: prod\n      sequences:\n" +
			"        - name: delivery\n          triggeredOn:\n            - event: dev.delivery.finished\n          tasks: [{name: deployment}]\n" +
			"        - name: rollback\n          triggeredOn:\n            - event: prod.delivery.finished\n              selector: {match: {result: fail}}\n          tasks: [{name: rollback}]\n" +
			"        - name: notify\n          triggeredOn:\n            - event: prod.delivery.finished\n            - event: prod.rollback.finished\n          tasks: [{name: notify}]\n" +
			"        - name: remediation\n          triggeredOn:\n            - event: prod.remediation.finished\n              selector: {match: {evaluation.result: fail}}\n" +
			"          tasks: [{name: get-action}, {name: action}, {name: evaluation}]\n",
	},
}

func TestShipyardRejectsTriggerCycles(t *testing.T) {
	for _, tt := range cyclic {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range stages.ValidateFile(stages.KindShipyard, "shipyard.yaml", []byte(tt.src)) {
				got = append(got, d.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTriggerOnAnUnknownStageIsAnError(t *testing.T) {
	src := "apiVersion: spec.keptn.sh/0.2.4\nkind: Shipyard\nmetadata: {name: shop}\nspec:\n  stages:\n" +
		"    - name: dev\n      sequences:\n        - name: delivery\n          tasks: [{name: deployment}]\n" +
		"    - name: prod\n      sequences:\n        - name: delivery\n          triggeredOn:\n            - event: staging.delivery.finished\n            - event: dev.hotfix.finished\n          tasks: [{name: deployment}]\n"
	var got []string
	for _, d := range stages.ValidateFile(stages.KindShipyard, "shipyard.yaml", []byte(src)) {
		got = append(got, d.Error())
	}
	want := []string{
		`shipyard.yaml:14:22: spec.stages[1].sequences[0].triggeredOn[0].event: event "staging.delivery.finished" names stage "staging", which this shipyard does not have (stages: dev, prod)`,
		`shipyard.yaml:15:22: warning: spec.stages[1].sequences[0].triggeredOn[1].event: event "dev.hotfix.finished" names no sequence of this shipyard (no sequence "hotfix" in stage "dev"); the trigger never fires`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}
