package stages_test

// malformedMore are more of [malformed]'s broken inputs.
var malformedMore = []malformedCase{
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
