package stages_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/stages"
)

// malformedCase is a broken input and the diagnostics ferry must report.
type malformedCase struct {
	name, kind, src string
	want            []string
}

// malformed are broken inputs of every file kind, each with the exact
// diagnostics ferry must report: all of them, in file order, positioned.
var malformed = []malformedCase{
	{
		name: "shipyard unknown top key", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages: [{name: dev}]\nextra: 1\n",
		want: []string{
			"shipyard.yaml:6:1: unknown field \"extra\" (known: apiVersion, kind, metadata, spec)",
		},
	},
	{
		name: "shipyard wrong apiVersion", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.3.0\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages: [{name: dev}]\n",
		want: []string{
			"shipyard.yaml:1:13: apiVersion: unsupported apiVersion \"spec.keptn.sh/0.3.0\" (want spec.keptn.sh/0.2.0 to 0.2.4)",
		},
	},
	{
		name: "shipyard apiVersion without prefix", kind: "shipyard",
		src: "apiVersion: 0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages: [{name: dev}]\n",
		want: []string{
			"shipyard.yaml:1:13: apiVersion: unsupported apiVersion \"0.2.2\" (want spec.keptn.sh/0.2.0 to 0.2.4)",
		},
	},
	{
		name: "shipyard missing apiVersion with spec", kind: "shipyard",
		src: "kind: Shipyard\nmetadata: {name: p}\nspec:\n  stages: [{name: dev}]\n",
		want: []string{
			"shipyard.yaml:1:1: apiVersion: missing apiVersion (want spec.keptn.sh/0.2.0 to 0.2.4)",
		},
	},
	{
		name: "shipyard wrong kind", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyards\nmetadata: {name: p}\nspec:\n  stages: [{name: dev}]\n",
		want: []string{
			"shipyard.yaml:2:7: kind: kind must be \"Shipyard\", got \"Shipyards\"",
		},
	},
	{
		name: "shipyard no metadata name", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {}\nspec:\n  stages: [{name: dev}]\n",
		want: []string{
			"shipyard.yaml:3:11: metadata.name: the shipyard needs a metadata.name",
		},
	},
	{
		name: "shipyard no stages", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages: []\n",
		want: []string{
			"shipyard.yaml:5:11: spec.stages: a shipyard needs at least one stage",
		},
	},
	{
		name: "shipyard stages not a list", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages: dev\n",
		want: []string{
			"shipyard.yaml:5:11: spec.stages: want a list, got \"dev\"",
		},
	},
	{
		name: "shipyard bad stage name", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: Dev_1\n",
		want: []string{
			"shipyard.yaml:6:13: spec.stages[0].name: stage name \"Dev_1\" must start with a lower-case letter and hold only lower-case letters, digits and '-', not ending in '-'",
		},
	},
	{
		name: "shipyard duplicate stage", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n    - name: dev\n",
		want: []string{
			"shipyard.yaml:7:13: spec.stages[1].name: stage \"dev\" is defined twice (first as spec.stages[0])",
		},
	},
	{
		name: "shipyard duplicate sequence", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: delivery\n          tasks: [{name: deployment}]\n        - name: delivery\n          tasks: [{name: release}]\n",
		want: []string{
			"shipyard.yaml:10:17: spec.stages[0].sequences[1].name: sequence \"delivery\" is defined twice in stage \"dev\" (first as sequences[0])",
		},
	},
	{
		name: "shipyard sequence without tasks", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: delivery\n",
		want: []string{
			"shipyard.yaml:8:11: spec.stages[0].sequences[0].tasks: sequence \"delivery\" has no tasks",
		},
	},
	{
		name: "shipyard triggers alpha key", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: delivery\n          triggers: [x]\n          tasks: [{name: deployment}]\n",
		want: []string{
			"shipyard.yaml:9:11: spec.stages[0].sequences[0]: unknown field \"triggers\" (known: name, tasks, triggeredOn)",
		},
	},
	{
		name: "shipyard bad event", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: delivery\n          triggeredOn:\n            - event: dev.delivery\n          tasks: [{name: deployment}]\n",
		want: []string{
			"shipyard.yaml:10:22: spec.stages[0].sequences[0].triggeredOn[0].event: event \"dev.delivery\" must read <stage>.<sequence>.finished",
		},
	},
	{
		name: "shipyard bad selector key", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: a\n          tasks: [{name: deployment}]\n        - name: b\n          triggeredOn:\n            - event: dev.a.finished\n              selector:\n                match:\n                  status: fail\n          tasks: [{name: rollback}]\n",
		want: []string{
			"shipyard.yaml:15:27: spec.stages[0].sequences[1].triggeredOn[0].selector.match.status: selector key \"status\": want \"result\" or \"<task>.result\"",
		},
	},
	{
		name: "shipyard bad selector result", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: a\n          tasks: [{name: deployment}]\n        - name: b\n          triggeredOn:\n            - event: dev.a.finished\n              selector:\n                match:\n                  result: broken\n          tasks: [{name: rollback}]\n",
		want: []string{
			"shipyard.yaml:15:27: spec.stages[0].sequences[1].triggeredOn[0].selector.match.result: result \"broken\": want pass, warning or fail",
		},
	},
	{
		name: "shipyard failed alias warns", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: a\n          tasks: [{name: deployment}]\n        - name: b\n          triggeredOn:\n            - event: dev.a.finished\n              selector:\n                match:\n                  result: failed\n          tasks: [{name: rollback}]\n",
		want: []string{
			"shipyard.yaml:15:27: warning: spec.stages[0].sequences[1].triggeredOn[0].selector.match.result: result \"failed\" is read as \"fail\" (Keptn emits \"fail\")",
		},
	},
	{
		name: "shipyard selector names missing task", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: a\n          tasks: [{name: deployment}]\n        - name: b\n          triggeredOn:\n            - event: dev.a.finished\n              selector:\n                match:\n                  evaluation.result: fail\n          tasks: [{name: rollback}]\n",
		want: []string{
			"shipyard.yaml:15:38: warning: spec.stages[0].sequences[1].triggeredOn[0].selector.match.evaluation.result: sequence \"a\" of stage \"dev\" has no task \"evaluation\"; the selector never matches",
		},
	},
	{
		name: "shipyard bad triggeredAfter", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: a\n          tasks:\n            - name: evaluation\n              triggeredAfter: soon\n",
		want: []string{
			"shipyard.yaml:11:31: spec.stages[0].sequences[0].tasks[0].triggeredAfter: triggeredAfter \"soon\" is not a duration (want e.g. 30s, 15m, 1h)",
		},
	},
	{
		name: "shipyard negative triggeredAfter", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: a\n          tasks:\n            - name: evaluation\n              triggeredAfter: -5m\n",
		want: []string{
			"shipyard.yaml:11:31: spec.stages[0].sequences[0].tasks[0].triggeredAfter: triggeredAfter \"-5m\" must be positive",
		},
	},
	{
		name: "shipyard bad deploymentstrategy", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: a\n          tasks:\n            - name: deployment\n              properties:\n                deploymentstrategy: blue_green\n",
		want: []string{
			"shipyard.yaml:12:37: spec.stages[0].sequences[0].tasks[0].properties.deploymentstrategy: deploymentstrategy must be one of blue_green_service, direct, user_managed, got blue_green",
		},
	},
	{
		name: "shipyard bad approval", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: a\n          tasks:\n            - name: approval\n              properties:\n                pass: auto\n                warning: manual\n",
		want: []string{
			"shipyard.yaml:12:23: spec.stages[0].sequences[0].tasks[0].properties.pass: pass must be one of automatic, manual, got auto",
		},
	},
	{
		name: "shipyard bad timeframe type", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: a\n          tasks:\n            - name: evaluation\n              properties:\n                timeframe: 5\n",
		want: []string{
			"shipyard.yaml:12:28: spec.stages[0].sequences[0].tasks[0].properties.timeframe: timeframe must be a duration such as \"15m\", got 5",
		},
	},
	{
		name: "shipyard properties not a map", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: a\n          tasks:\n            - name: test\n              properties: [x]\n",
		want: []string{
			"shipyard.yaml:11:27: spec.stages[0].sequences[0].tasks[0].properties: want a mapping, got a list",
		},
	},
	{
		name: "shipyard bad task name", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      sequences:\n        - name: a\n          tasks:\n            - name: Deploy Now\n",
		want: []string{
			"shipyard.yaml:10:21: spec.stages[0].sequences[0].tasks[0].name: task name \"Deploy Now\" must start with a lower-case letter and hold only lower-case letters, digits and '-', not ending in '-'",
		},
	},
	{
		name: "shipyard duplicate key", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages:\n    - name: dev\n      name: prod\n",
		want: []string{
			"shipyard.yaml:7:7: spec.stages[0]: duplicate key \"name\" (first at line 6)",
		},
	},
	{
		name: "shipyard legacy", kind: "shipyard",
		src: "stages:\n  - name: dev\n    deployment_strategy: direct\n",
		want: []string{
			"shipyard.yaml:1:1: no apiVersion: this is a Keptn 0.1.x (legacy) shipyard; ferry reads spec.keptn.sh/0.2.x (convert it with \"keptn upgrade project --shipyard\" from Keptn 0.8, or rewrite stages[] as spec.stages[].sequences)",
		},
	},
	{
		name: "shipyard syntax error", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nspec:\n  stages:\n    - name: dev\n   sequences: []\n",
		want: []string{
			"shipyard.yaml:4:1: invalid YAML: did not find expected key",
		},
	},
	{
		name: "shipyard tab indentation", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nspec:\n\tstages: []\n",
		want: []string{
			"shipyard.yaml:4:1: invalid YAML: found character that cannot start any token",
		},
	},
	{
		name: "shipyard two documents", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p}\nspec:\n  stages: [{name: dev}]\n---\napiVersion: x\n",
		want: []string{
			"shipyard.yaml:6:1: a second YAML document; the file must hold one",
		},
	},
	{
		name: "shipyard empty", kind: "shipyard",
		src: "\n",
		want: []string{
			"shipyard.yaml:1:1: file is empty",
		},
	},
	{
		name: "shipyard many errors at once", kind: "shipyard",
		src: "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata: {name: p, labels: {}}\nspec:\n  stages:\n    - name: dev\n      sequence: []\n    - nme: prod\n",
		want: []string{
			"shipyard.yaml:3:21: metadata: unknown field \"labels\" (known: name)",
			"shipyard.yaml:7:7: spec.stages[0]: unknown field \"sequence\" (did you mean \"sequences\"?)",
			"shipyard.yaml:8:7: spec.stages[1]: unknown field \"nme\" (did you mean \"name\"?)",
		},
	},
	{
		name: "slo unknown key", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  - sli: rt\n    pass: [{criteria: ['<=1']}]\n    wieght: 2\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:5:5: objectives[0]: unknown field \"wieght\" (did you mean \"weight\"?)",
		},
	},
	{
		name: "slo bad spec_version", kind: "slo",
		src: "spec_version: '2.0'\nobjectives: []\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:1:15: spec_version: unsupported spec_version \"2.0\" (want 1.0 or 0.1.x)",
			"slo.yaml:2:13: warning: objectives: no objectives: every evaluation with this file fails",
		},
	},
	{
		name: "slo objective without sli", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  - displayName: x\n    pass: [{criteria: ['<=1']}]\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:3:5: objectives[0]: objective needs an sli name",
		},
	},
	{
		name: "slo criterion no operator", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  - sli: rt\n    pass:\n      - criteria:\n          - '100'\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:6:13: objectives[0].pass[0].criteria[0]: invalid criteria string \"100\": no operator (want <=, <, =, >= or >)",
		},
	},
	{
		name: "slo criterion not a number", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  - sli: rt\n    pass:\n      - criteria:\n          - '<=fast'\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:6:13: objectives[0].pass[0].criteria[0]: invalid criteria string \"<=fast\": \"fast\" is not a number",
		},
	},
	{
		name: "slo criterion double operator", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  - sli: rt\n    warning:\n      - criteria: ['<=1', '<<=2']\n    pass: [{criteria: ['<=1']}]\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:5:27: objectives[0].warning[0].criteria[1]: invalid criteria string \"<<=2\": \"<=2\" is not a number",
		},
	},
	{
		name: "slo criteria not a list", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  - sli: rt\n    pass:\n      - criteria: '<=1'\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:5:19: objectives[0].pass[0].criteria: want a list, got \"<=1\"",
		},
	},
	{
		name: "slo pass not a list", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  - sli: rt\n    pass: {criteria: ['<=1']}\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:4:11: objectives[0].pass: want a list, got a mapping",
		},
	},
	{
		name: "slo weight not integer", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  - sli: rt\n    weight: 1.5\n    pass: [{criteria: ['<=1']}]\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:4:13: objectives[0].weight: want a whole number, got \"1.5\"",
		},
	},
	{
		name: "slo negative weight", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  - sli: rt\n    weight: -1\n    pass: [{criteria: ['<=1']}]\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:4:13: objectives[0].weight: weight must not be negative",
		},
	},
	{
		name: "slo key_sli not bool", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  - sli: rt\n    key_sli: yes\n    pass: [{criteria: ['<=1']}]\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:4:14: objectives[0].key_sli: want true or false, got \"yes\"",
		},
	},
	{
		name: "slo bad aggregate", kind: "slo",
		src: "spec_version: '1.0'\ncomparison:\n  aggregate_function: median\nobjectives:\n  - sli: rt\n    pass: [{criteria: ['<=1']}]\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:3:23: comparison.aggregate_function: aggregate_function must be one of avg, p50, p90, p95, got \"median\"",
		},
	},
	{
		name: "slo bad compare_with", kind: "slo",
		src: "spec_version: '1.0'\ncomparison:\n  compare_with: last\n  include_result_with_score: best\nobjectives:\n  - sli: rt\n    pass: [{criteria: ['<=1']}]\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:3:17: comparison.compare_with: compare_with must be one of single_result, several_results, got \"last\"",
			"slo.yaml:4:30: comparison.include_result_with_score: include_result_with_score must be one of all, pass, pass_or_warn, got \"best\"",
		},
	},
}

var fileOfKind = map[string]string{
	"shipyard": "shipyard.yaml", "slo": "slo.yaml", "sli": "sli.yaml", "remediation": "remediation.yaml",
	"hold": "hold.yaml", "ferry": "ferry.yaml", "pin": "pin.yaml",
}

func TestMalformedInputs(t *testing.T) {
	all := append(slices.Clone(malformed), malformedMore...)
	if len(all) < 60 {
		t.Fatalf("only %d malformed inputs", len(all))
	}
	for _, tt := range all {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range stages.ValidateFile(stages.Kind(tt.kind), fileOfKind[tt.kind], []byte(tt.src)) {
				got = append(got, d.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}
