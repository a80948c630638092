package stages_test

// corpusWant lists what ferry says about every file of the Keptn corpus in
// testdata/keptn-examples (see its README for why each quirk is there):
// the kind it detects and each diagnostic, as "line:col: message" prefixes.
var corpusWant = map[string]struct {
	kind  string
	diags []string
}{
	"examples/history/a1e180c/onboarding-carts/sli-config-prometheus-selfhealing.yaml": {kind: "sli", diags: nil},
	"examples/history/d8889e6/quickstart/demo/prometheus/sli.yaml":                     {kind: "sli", diags: nil},
	"examples/history/e2ce753/onboarding-carts/remediation.yaml": {kind: "remediation", diags: []string{
		"1:1: remediations: this is the Keptn 0.6 remediation format; ferry reads apiVersion: spec.",
	}},
	"examples/history/fb8ffb6/onboarding-carts/shipyard.yaml": {kind: "shipyard", diags: []string{
		"29:11: spec.stages[1].sequences[0]: unknown field \"triggers\" (known: name, tasks, triggere",
		"42:11: spec.stages[1].sequences[1]: unknown field \"triggers\" (known: name, tasks, triggere",
		"53:11: spec.stages[2].sequences[0]: unknown field \"triggers\" (known: name, tasks, triggere",
		"62:11: spec.stages[2].sequences[1]: unknown field \"triggers\" (known: name, tasks, triggere",
	}},
	"examples/onboarding-carts/remediation.yaml":                 {kind: "remediation", diags: nil},
	"examples/onboarding-carts/remediation_feature_toggle.yaml":  {kind: "remediation", diags: nil},
	"examples/onboarding-carts/shipyard-argo.yaml":               {kind: "shipyard", diags: nil},
	"examples/onboarding-carts/shipyard-quality-gates.yaml":      {kind: "shipyard", diags: nil},
	"examples/onboarding-carts/shipyard.yaml":                    {kind: "shipyard", diags: nil},
	"examples/onboarding-carts/sli-config-argo-prometheus.yaml":  {kind: "sli", diags: nil},
	"examples/onboarding-carts/sli-config-prometheus.yaml":       {kind: "sli", diags: nil},
	"examples/onboarding-carts/slo-quality-gates.yaml":           {kind: "slo", diags: nil},
	"examples/onboarding-carts/slo-self-healing-dynatrace.yaml":  {kind: "slo", diags: nil},
	"examples/onboarding-carts/slo-self-healing-prometheus.yaml": {kind: "slo", diags: nil},
	"examples/quickstart/demo/prometheus/sli.yaml":               {kind: "sli", diags: nil},
	"examples/quickstart/demo/remediation.yaml": {kind: "remediation", diags: []string{
		"9:19: warning: spec.remediations[0].actionsOnOpen[0].action: action \"restart\" is not one f",
	}},
	"examples/quickstart/demo/shipyard.yaml": {kind: "shipyard", diags: nil},
	"examples/quickstart/demo/slo.yaml":      {kind: "slo", diags: nil},
	"examples/simplenodeservice/keptn/shipyard.yaml": {kind: "shipyard", diags: []string{
		"1:1: no apiVersion: this is a Keptn 0.1.x (legacy) shipyard; ferry reads spec.keptn.sh/0.2",
	}},
	"examples/simplenodeservice/keptn/shipyard_keptn07.yaml": {kind: "shipyard", diags: []string{
		"1:1: no apiVersion: this is a Keptn 0.1.x (legacy) shipyard; ferry reads spec.keptn.sh/0.2",
	}},
	"examples/simplenodeservice/keptn/slo_basic.yaml": {kind: "slo", diags: nil},
	"examples/simplenodeservice/keptn/slo_empty.yaml": {kind: "slo", diags: []string{
		"2:1: warning: total_score: no total_score.pass: every evaluation with this file fails",
		"4:12: warning: objectives: no objectives: every evaluation with this file fails",
	}},
	"examples/simplenodeservice/keptn/slo_perftest.yaml": {kind: "slo", diags: nil},
	"examples/simplenodeservice/quality-gate-only/shipyard_qualitystageonly.yaml": {kind: "shipyard", diags: []string{
		"1:1: no apiVersion: this is a Keptn 0.1.x (legacy) shipyard; ferry reads spec.keptn.sh/0.2",
	}},
	"examples/unleash-server/shipyard.yaml": {kind: "shipyard", diags: nil},
	"go-utils/pkg/sdk/helpers/testdata/config_client/get_slis/sli.invalid_yaml": {kind: "sli", diags: []string{
		"2:1: invalid YAML: mapping values are not allowed in this context",
	}},
	"go-utils/pkg/sdk/helpers/testdata/config_client/get_slis/sli_no_indicators.yaml": {kind: "sli", diags: []string{
		"1:1: missing required field: indicators",
	}},
	"go-utils/pkg/sdk/helpers/testdata/config_client/get_slis/sli_project.yaml": {kind: "sli", diags: nil},
	"go-utils/pkg/sdk/helpers/testdata/config_client/get_slis/sli_service.yaml": {kind: "sli", diags: nil},
	"go-utils/pkg/sdk/helpers/testdata/config_client/get_slis/sli_stage.yaml":   {kind: "sli", diags: nil},
	"keptn.github.io/extracted/content/docs/1.0.x/concepts/automated_operations/index_md/remediation.yaml": {kind: "remediation", diags: []string{
		"1:1: version: \"version: 0.2.0\" is the draft remediation format, never implemented by Keptn",
	}},
	"keptn.github.io/extracted/content/docs/1.0.x/define/parallel/index_md/shipyard.yaml": {kind: "shipyard", diags: nil},
	"keptn.github.io/extracted/content/docs/1.0.x/define/triggers/index_md/shipyard-rollback.yaml": {kind: "shipyard", diags: []string{
		"22:1: invalid YAML: did not find expected key",
	}},
	"keptn.github.io/extracted/content/docs/1.0.x/integrations/how_integrate/index_md/shipyard.yaml": {kind: "shipyard", diags: nil},
	"keptn.github.io/extracted/content/docs/1.0.x/manage/update/index_md/shipyard-approval.yaml":     {kind: "shipyard", diags: nil},
	"keptn.github.io/extracted/content/docs/1.0.x/reference/files/remediation/index_md/remediation-example.yaml": {kind: "remediation", diags: []string{
		"7:5: warning: spec.remediations[0]: problemType \"Response time degradation\" has no actions",
		"9:5: warning: spec.remediations[1]: problemType \"Failure rate increase\" has no actions: it",
		"11:5: warning: spec.remediations[2]: problemType \"default\" has no actions: it is escalated",
	}},
	"keptn.github.io/extracted/content/docs/1.0.x/reference/files/sli/index_md/sli-merged-expected.yaml": {kind: "sli", diags: nil},
	"keptn.github.io/extracted/content/docs/1.0.x/reference/files/sli/index_md/sli-project.yaml":         {kind: "sli", diags: nil},
	"keptn.github.io/extracted/content/docs/1.0.x/reference/files/sli/index_md/sli-service.yaml":         {kind: "sli", diags: nil},
	"keptn.github.io/extracted/content/docs/1.0.x/reference/files/sli/index_md/sli-stage.yaml":           {kind: "sli", diags: nil},
	"keptn/extracted/lighthouse-service/event_handler/common_test_go/slo-issue-6096.yaml": {kind: "slo", diags: []string{
		"2:15: warning: spec_version: spec_version is empty (want \"1.0\")",
	}},
	"keptn/extracted/lighthouse-service/event_handler/common_test_go/slo-with-null-objective.yaml": {kind: "slo", diags: nil},
	"keptn/extracted/lighthouse-service/event_handler/common_test_go/slo-without-comparison.yaml":  {kind: "slo", diags: nil},
	"keptn/extracted/lighthouse-service/main_test_go/noObjectivesSLOFileContent.yaml": {kind: "slo", diags: []string{
		"9:12: warning: objectives: no objectives: every evaluation with this file fails",
	}},
	"keptn/extracted/lighthouse-service/main_test_go/wrongCriteriaSLOFileContent.yaml": {kind: "slo", diags: []string{
		"15:13: objectives[0].pass[0].criteria[1]: invalid criteria string \"invalid\": no operator (",
		"19:13: objectives[0].warning[0].criteria[1]: invalid criteria string \"<<='\": \"<='\" is not ",
	}},
	"keptn/extracted/lighthouse-service/main_test_go/wrongTotalScoreSLOFileContent.yaml": {kind: "slo", diags: []string{
		"16:9: total_score.pass: \"bla\" is not a percentage such as 90%",
		"17:12: total_score.warning: \"bla\" is not a percentage such as 90%",
	}},
	"keptn/extracted/shipyard-controller/internal/controller/shipyardcontroller_component_test_go/testShipyardFileWithDuplicateTasks.yaml": {kind: "shipyard", diags: []string{
		"12:15: warning: spec.stages[0].sequences[0].tasks[1].name: task \"deployment\" appears twice",
	}},
	"keptn/extracted/shipyard-controller/internal/controller/shipyardcontroller_component_test_go/testShipyardFileWithInvalidVersion.yaml": {kind: "shipyard", diags: []string{
		"1:1: spec.stages: a shipyard needs at least one stage",
		"1:13: apiVersion: unsupported apiVersion \"0\" (want spec.keptn.sh/0.2.0 to 0.2.4)",
	}},
	"keptn/extracted/shipyard-controller/internal/shipyardretriever/shipyardretriever_test_go/shipyardWithInvalidVersion.yaml": {kind: "shipyard", diags: []string{
		"1:13: apiVersion: unsupported apiVersion \"0.1.0\" (want spec.keptn.sh/0.2.0 to 0.2.4)",
		"13:21: warning: spec.stages[0].sequences[0].tasks[0].properties.strategy: unknown property",
	}},
	"keptn/extracted/shipyard-controller/main_test_go/sequenceLoopShipyard.yaml":       {kind: "shipyard", diags: nil},
	"keptn/extracted/shipyard-controller/main_test_go/shipyardWithParallelStages.yaml": {kind: "shipyard", diags: nil},
	"keptn/extracted/shipyard-controller/main_test_go/testShipyardFile.yaml": {kind: "shipyard", diags: []string{
		"16:17: warning: spec.stages[0].sequences[0].tasks[1].properties.kind: unknown property \"ki",
		"23:18: warning: spec.stages[0].sequences[1].triggeredOn[0].event: event \"dev.artifact-deli",
		"39:18: warning: spec.stages[1].sequences[0].triggeredOn[0].event: event \"dev.artifact-deli",
		"43:21: warning: spec.stages[1].sequences[0].tasks[0].properties.strategy: unknown property",
		"46:17: warning: spec.stages[1].sequences[0].tasks[1].properties.kind: unknown property \"ki",
		"58:21: warning: spec.stages[2].sequences[0].tasks[0].properties.strategy: unknown property",
		"63:15: warning: spec.stages[2].sequences[1].tasks[0].name: the task \"remediation\" was repl",
	}},
	"keptn/extracted/shipyard-controller/main_test_go/triggerNextSequenceShipyard.yaml": {kind: "shipyard", diags: nil},
	"keptn/extracted/test/go-tests/test_qualitygate_go/qualityGatesShipyard.yaml":       {kind: "shipyard", diags: nil},
	"keptn/history/5596611/test/assets/delivery_assistant_shipyard.yaml":                {kind: "shipyard", diags: nil},
	"keptn/history/5596611/test/assets/linking_stages_shipyard.yaml":                    {kind: "shipyard", diags: nil},
	"keptn/history/5596611/test/assets/quality_gates_standalone_slo_step3.yaml":         {kind: "slo", diags: nil},
	"keptn/history/5596611/test/assets/quality_gates_standalone_slo_step4.yaml":         {kind: "slo", diags: nil},
	"keptn/history/5596611/test/assets/self_healing_scaling_remediation.yaml":           {kind: "remediation", diags: nil},
	"keptn/history/5596611/test/assets/self_healing_shipyard.yaml": {kind: "shipyard", diags: []string{
		"13:27: warning: spec.stages[0].sequences[0].tasks[0].properties.strategy: unknown property",
		"24:27: warning: spec.stages[1].sequences[0].tasks[0].properties.strategy: unknown property",
	}},
	"keptn/history/5596611/test/assets/self_healing_slo.yaml":                       {kind: "slo", diags: nil},
	"keptn/history/5596611/test/assets/shipyard-quality-gates-self-monitoring.yaml": {kind: "shipyard", diags: nil},
	"keptn/history/5596611/test/assets/shipyard_delayed_tasks.yaml":                 {kind: "shipyard", diags: nil},
	"keptn/history/5596611/test/assets/shipyard_onboard_service.yaml":               {kind: "shipyard", diags: nil},
	"keptn/history/72fe939/extracted/test/go-tests/test_logforwarding_go/logForwardingTestShipyard.yaml": {kind: "shipyard", diags: []string{
		"16:28: spec.stages[0].sequences[0].tasks[0].properties.timeframe: timeframe \"invalid\" is n",
	}},
	"keptn/lighthouse-service/examples/slo.yaml": {kind: "slo", diags: nil},
	"keptn/remediation-service/handler/test/remediation-without-default.yaml": {kind: "remediation", diags: []string{
		"9:19: warning: spec.remediations[0].actionsOnOpen[0].action: action \"action1\" is not one f",
		"14:19: warning: spec.remediations[0].actionsOnOpen[1].action: action \"action2\" is not one ",
		"21:19: warning: spec.remediations[1].actionsOnOpen[0].action: action \"action11\" is not one",
		"26:19: warning: spec.remediations[1].actionsOnOpen[1].action: action \"action22\" is not one",
	}},
	"keptn/remediation-service/handler/test/remediation.yaml": {kind: "remediation", diags: []string{
		"9:19: warning: spec.remediations[0].actionsOnOpen[0].action: action \"escalateDefaultAction",
		"16:19: warning: spec.remediations[1].actionsOnOpen[0].action: action \"action1\" is not one ",
		"21:19: warning: spec.remediations[1].actionsOnOpen[1].action: action \"action2\" is not one ",
		"28:19: warning: spec.remediations[2].actionsOnOpen[0].action: action \"action11\" is not one",
		"33:19: warning: spec.remediations[2].actionsOnOpen[1].action: action \"action22\" is not one",
	}},
	"keptn/remediation-service/handler/test/resources-myproject-mystage-myservice/remediation.yaml": {kind: "remediation", diags: []string{
		"14:19: warning: spec.remediations[0].actionsOnOpen[1].action: action \"run-snow-wf\" is not ",
	}},
	"keptn/test/assets/podtato-head/prometheus/sli.yaml": {kind: "sli", diags: nil},
	"keptn/test/assets/podtato-head/slo.yaml":            {kind: "slo", diags: nil},
	"keptn/test/assets/self_monitoring_sli.yaml":         {kind: "sli", diags: nil},
	"keptn/test/assets/self_monitoring_slo.yaml": {kind: "slo", diags: []string{
		"26:10: warning: objectives[3].sli: sli \"throughput\" is scored again (first in objectives[1",
	}},
	"prometheus-service/extracted/README_md/sli-example.yaml":      {kind: "sli", diags: nil},
	"prometheus-service/test/data/podtatohead.remediation.yaml":    {kind: "remediation", diags: nil},
	"prometheus-service/test/data/podtatohead.sli.yaml":            {kind: "sli", diags: nil},
	"prometheus-service/test/data/podtatohead.slo.yaml":            {kind: "slo", diags: nil},
	"prometheus-service/test/shipyard/podtatohead.deployment.yaml": {kind: "shipyard", diags: nil},
	"spec/extracted/remediation_md/remediation-example.yaml":       {kind: "remediation", diags: nil},
	"spec/extracted/service_level_indicator_md/sli-example.yaml":   {kind: "sli", diags: nil},
	"spec/extracted/service_level_objective_md/comparison-several-results.fragment.yaml": {kind: "slo", diags: []string{
		"1:1: warning: no spec_version (want \"1.0\")",
		"1:1: warning: objectives: no objectives: every evaluation with this file fails",
		"1:1: warning: total_score: no total_score.pass: every evaluation with this file fails",
	}},
	"spec/extracted/service_level_objective_md/objectives-or-criteria.fragment.yaml": {kind: "slo", diags: []string{
		"1:1: warning: no spec_version (want \"1.0\")",
		"1:1: warning: total_score: no total_score.pass: every evaluation with this file fails",
	}},
	"spec/extracted/service_level_objective_md/slo-example.yaml": {kind: "slo", diags: nil},
	"spec/extracted/shipyard_md/shipyard-example.yaml": {kind: "shipyard", diags: []string{
		"42:1: invalid YAML: mapping values are not allowed in this context",
	}},
	"spec/history/4d7cc91/extracted/shipyard_md/shipyard-example.yaml": {kind: "shipyard", diags: []string{
		"1:1: no apiVersion: this is a Keptn 0.1.x (legacy) shipyard; ferry reads spec.keptn.sh/0.2",
	}},
	"spec/history/89e18e9/extracted/sre_md/remediation-example.yaml": {kind: "remediation", diags: []string{
		"1:1: version: \"version: 0.2.0\" is the draft remediation format, never implemented by Keptn",
	}},
	"spec/history/ba0ed47/extracted/sre_md/remediation-example.yaml": {kind: "remediation", diags: []string{
		"1:1: version: \"version: 0.2.0\" is the draft remediation format, never implemented by Keptn",
	}},
	"spec/history/fcdaeb7/extracted/shipyard_md/shipyard-example.yaml": {kind: "shipyard", diags: []string{
		"23:7: spec.stages[1].sequences[0]: unknown field \"triggers\" (known: name, tasks, triggered",
		"38:7: spec.stages[2].sequences[0]: unknown field \"triggers\" (known: name, tasks, triggered",
	}},
	"tutorials/extracted/site/tutorials/keptn-full-tour-dynatrace-012_md/shipyard.yaml": {kind: "shipyard", diags: []string{
		"4:1: unknown field \"name\" (known: apiVersion, kind, metadata, spec)",
		"6:1: unknown field \"stages\" (known: apiVersion, kind, metadata, spec)",
	}},
	"tutorials/extracted/site/tutorials/keptn-litmus-013_md/shipyard.yaml": {kind: "shipyard", diags: nil},
	"tutorials/extracted/site/tutorials/keptn-multistage-qualitygates-013_md/shipyard-summary.yaml": {kind: "shipyard", diags: []string{
		"7:1: invalid YAML: did not find expected '-' indicator",
	}},
	"tutorials/extracted/site/tutorials/keptn-multistage-qualitygates-013_md/slo-summary.yaml": {kind: "slo", diags: []string{
		"9:1: invalid YAML: mapping values are not allowed in this context",
	}},
	"tutorials/extracted/site/tutorials/keptn-quality-gates-dynatrace-013-on-k3s_md/shipyard.yaml":       {kind: "shipyard", diags: nil},
	"tutorials/extracted/site/tutorials/snippets/017/self-healing/upscalePrometheus_md/remediation.yaml": {kind: "remediation", diags: nil},
}
