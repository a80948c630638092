package stages_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/stages"
)

// malformed are broken inputs of every file kind, each with the exact
// diagnostics ferry must report: all of them, in file order, positioned.
var malformed = []struct {
	name, kind, src string
	want            []string
}{
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
	{
		name: "slo negative comparison count", kind: "slo",
		src: "spec_version: '1.0'\ncomparison:\n  number_of_comparison_results: -2\nobjectives:\n  - sli: rt\n    pass: [{criteria: ['<=1']}]\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:3:33: comparison.number_of_comparison_results: must not be negative",
		},
	},
	{
		name: "slo bad total", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  - sli: rt\n    pass: [{criteria: ['<=1']}]\ntotal_score:\n  pass: ninety\n  warning: 75%\n",
		want: []string{
			"slo.yaml:6:9: total_score.pass: \"ninety\" is not a percentage such as 90%: want a number from 0 to 100, without sign or exponent",
		},
	},
	{
		name: "slo objectives not a list", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  sli: rt\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:3:3: objectives: want a list, got a mapping",
		},
	},
	{
		name: "slo duplicate sli warns", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  - sli: rt\n    pass: [{criteria: ['<=1']}]\n  - sli: rt\n    pass: [{criteria: ['<=2']}]\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:5:10: warning: objectives[1].sli: sli \"rt\" is scored again (first in objectives[0]); as in Keptn, the second objective gets no value and fails",
		},
	},
	{
		name: "slo filter not a map", kind: "slo",
		src: "spec_version: '1.0'\nfilter: [a]\nobjectives: []\ntotal_score: {pass: 90%}\n",
		want: []string{
			"slo.yaml:2:9: filter: want a mapping, got a list",
		},
	},
	{
		name: "slo syntax", kind: "slo",
		src: "spec_version: '1.0'\nobjectives:\n  - sli: rt\n    pass: [{criteria: ['<=1']}\n",
		want: []string{
			"slo.yaml:4:1: invalid YAML: did not find expected ',' or ']'",
		},
	},
	{
		name: "sli missing indicators", kind: "sli",
		src: "spec_version: '1.0'\n",
		want: []string{
			"sli.yaml:1:1: missing required field: indicators",
		},
	},
	{
		name: "sli indicators a list", kind: "sli",
		src: "spec_version: '1.0'\nindicators:\n  - rt\n",
		want: []string{
			"sli.yaml:3:3: indicators: want a mapping, got a list",
		},
	},
	{
		name: "sli empty query", kind: "sli",
		src: "spec_version: '1.0'\nindicators:\n  rt: ''\n",
		want: []string{
			"sli.yaml:3:7: indicators.rt: sli \"rt\" has an empty query",
		},
	},
	{
		name: "sli nested query", kind: "sli",
		src: "spec_version: '1.0'\nindicators:\n  rt:\n    query: up\n",
		want: []string{
			"sli.yaml:4:5: indicators.rt: want a string, got a mapping",
		},
	},
	{
		name: "sli bad version", kind: "sli",
		src: "spec_version: '0.9'\nindicators:\n  rt: up\n",
		want: []string{
			"sli.yaml:1:15: spec_version: unsupported spec_version \"0.9\" (want 1.0)",
		},
	},
	{
		name: "sli unknown key", kind: "sli",
		src: "spec_version: '1.0'\nindicator:\n  rt: up\n",
		want: []string{
			"sli.yaml:2:1: unknown field \"indicator\" (did you mean \"indicators\"?)",
		},
	},
	{
		name: "remediation wrong apiVersion", kind: "remediation",
		src: "apiVersion: spec.keptn.sh/0.2.0\nkind: Remediation\nmetadata: {name: r}\nspec:\n  remediations:\n    - problemType: default\n      actionsOnOpen:\n        - action: escalate\n",
		want: []string{
			"remediation.yaml:1:13: apiVersion: unsupported apiVersion \"spec.keptn.sh/0.2.0\" (want spec.keptn.sh/0.1.4)",
		},
	},
	{
		name: "remediation wrong kind", kind: "remediation",
		src: "apiVersion: spec.keptn.sh/0.1.4\nkind: Remedy\nmetadata: {name: r}\nspec:\n  remediations:\n    - problemType: default\n      actionsOnOpen:\n        - action: escalate\n",
		want: []string{
			"remediation.yaml:2:7: kind: kind must be \"Remediation\", got \"Remedy\"",
		},
	},
	{
		name: "remediation missing problemType", kind: "remediation",
		src: "apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nmetadata: {name: r}\nspec:\n  remediations:\n    - actionsOnOpen:\n        - action: escalate\n",
		want: []string{
			"remediation.yaml:6:7: spec.remediations[0].problemType: a remediation needs a problemType (a problem title, a root cause or \"default\")",
		},
	},
	{
		name: "remediation duplicate problemType", kind: "remediation",
		src: "apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nmetadata: {name: r}\nspec:\n  remediations:\n    - problemType: default\n      actionsOnOpen: [{action: escalate}]\n    - problemType: default\n      actionsOnOpen: [{action: rollback}]\n",
		want: []string{
			"remediation.yaml:8:20: spec.remediations[1].problemType: problemType \"default\" is listed twice (first in spec.remediations[0])",
		},
	},
	{
		name: "remediation action missing", kind: "remediation",
		src: "apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nmetadata: {name: r}\nspec:\n  remediations:\n    - problemType: default\n      actionsOnOpen:\n        - name: do something\n",
		want: []string{
			"remediation.yaml:8:11: spec.remediations[0].actionsOnOpen[0].action: an action needs an action name (scaling, togglefeature, rollback, escalate or an external one)",
		},
	},
	{
		name: "remediation bad scaling value", kind: "remediation",
		src: "apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nmetadata: {name: r}\nspec:\n  remediations:\n    - problemType: default\n      actionsOnOpen:\n        - action: scaling\n          value: lots\n",
		want: []string{
			"remediation.yaml:9:18: spec.remediations[0].actionsOnOpen[0].value: scaling value \"lots\": want +N, -N, +N%, -N% or =N replicas (a bare N adds N, as in Keptn)",
		},
	},
	{
		name: "remediation scaling without value", kind: "remediation",
		src: "apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nmetadata: {name: r}\nspec:\n  remediations:\n    - problemType: default\n      actionsOnOpen:\n        - action: scaling\n",
		want: []string{
			"remediation.yaml:8:11: spec.remediations[0].actionsOnOpen[0].value: scaling needs a value: +N, -N, +N%, -N% or =N replicas (a bare N adds N, as in Keptn)",
		},
	},
	{
		name: "remediation toggle value not a map", kind: "remediation",
		src: "apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nmetadata: {name: r}\nspec:\n  remediations:\n    - problemType: default\n      actionsOnOpen:\n        - action: togglefeature\n          value: on\n",
		want: []string{
			"remediation.yaml:9:18: spec.remediations[0].actionsOnOpen[0].value: togglefeature value must map values keys to the values to set, e.g. {EnablePromotion: \"off\"}",
		},
	},
	{
		name: "remediation unknown action key", kind: "remediation",
		src: "apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nmetadata: {name: r}\nspec:\n  remediations:\n    - problemType: default\n      actionsOnOpen:\n        - action: escalate\n          hook: http://x\n",
		want: []string{
			"remediation.yaml:9:11: spec.remediations[0].actionsOnOpen[0]: unknown field \"hook\" (known: action, description, name, value)",
		},
	},
	{
		name: "remediation external action warns", kind: "remediation",
		src: "apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nmetadata: {name: r}\nspec:\n  remediations:\n    - problemType: default\n      actionsOnOpen:\n        - action: restart-pod\n",
		want: []string{
			"remediation.yaml:8:19: warning: spec.remediations[0].actionsOnOpen[0].action: action \"restart-pod\" is not one ferry runs (scaling, togglefeature, rollback, escalate); it runs as an external action completed by a report (list it under remediation.externalActions in ferry.yaml to say so)",
		},
	},
	{
		name: "remediation legacy version key", kind: "remediation",
		src: "version: 0.2.0\nkind: Remediation\nmetadata: {name: r}\nspec:\n  problems: []\n",
		want: []string{
			"remediation.yaml:1:1: version: \"version: 0.2.0\" is the draft remediation format, never implemented by Keptn; ferry reads apiVersion: spec.keptn.sh/0.1.4 with spec.remediations[].problemType and actionsOnOpen",
		},
	},
	{
		name: "remediation remediations not a list", kind: "remediation",
		src: "apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nmetadata: {name: r}\nspec:\n  remediations:\n    problemType: default\n",
		want: []string{
			"remediation.yaml:6:5: spec.remediations: want a list, got a mapping",
		},
	},
	{
		name: "hold without reason", kind: "hold",
		src: "until: 2026-12-24T18:00:00Z\n",
		want: []string{
			"hold.yaml:1:1: reason: a hold needs a reason",
		},
	},
	{
		name: "hold bad until", kind: "hold",
		src: "reason: freeze\nuntil: next monday\n",
		want: []string{
			"hold.yaml:2:8: until: until \"next monday\" is not an RFC 3339 time such as 2026-12-24T18:00:00Z",
		},
	},
	{
		name: "hold unknown key", kind: "hold",
		src: "reason: freeze\nuntl: 2026-12-24T18:00:00Z\n",
		want: []string{
			"hold.yaml:2:1: unknown field \"untl\" (did you mean \"until\"?)",
		},
	},
	{
		name: "hold remediation not bool", kind: "hold",
		src: "reason: freeze\nremediation: sometimes\n",
		want: []string{
			"hold.yaml:2:14: remediation: want true or false, got \"sometimes\"",
		},
	},
	{
		name: "config bad concurrency", kind: "ferry",
		src: "stages:\n  production:\n    concurrency: newest\n",
		want: []string{
			"ferry.yaml:3:18: stages.production.concurrency: concurrency must be queue or latest, got \"newest\"",
		},
	},
	{
		name: "config bad settle", kind: "ferry",
		src: "settle: 10\n",
		want: []string{
			"ferry.yaml:1:9: settle: settle \"10\" is not a duration (want e.g. 30s, 15m, 1h)",
		},
	},
	{
		name: "config bad prefix", kind: "ferry",
		src: "stageBranchPrefix: 'st age/'\n",
		want: []string{
			"ferry.yaml:1:20: stageBranchPrefix: \"st age/\" is not a valid branch name prefix",
		},
	},
	{
		name: "config unknown key", kind: "ferry",
		src: "settle: 10s\nconcurency: latest\n",
		want: []string{
			"ferry.yaml:2:1: unknown field \"concurency\" (known: alerts, project, remediation, services, settle, stageBranchPrefix, stages, subscriptions, verify)",
		},
	},
	{
		name: "config external actions not a list", kind: "ferry",
		src: "remediation:\n  externalActions: restart\n",
		want: []string{
			"ferry.yaml:2:20: remediation.externalActions: want a list, got \"restart\"",
		},
	},
	{
		name: "pin empty", kind: "pin",
		src: "{}\n",
		want: []string{
			"pin.yaml:1:1: a pin file needs at least one value, e.g. image: carts:0.11.2",
		},
	},
	{
		name: "pin not a mapping", kind: "pin",
		src: "- image: carts:1\n",
		want: []string{
			"pin.yaml:1:1: want a mapping, got a list",
		},
	},
}

var fileOfKind = map[string]string{
	"shipyard": "shipyard.yaml", "slo": "slo.yaml", "sli": "sli.yaml", "remediation": "remediation.yaml",
	"hold": "hold.yaml", "ferry": "ferry.yaml", "pin": "pin.yaml",
}

func TestMalformedInputs(t *testing.T) {
	if len(malformed) < 60 {
		t.Fatalf("only %d malformed inputs", len(malformed))
	}
	for _, tt := range malformed {
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
