package remediator_test

import (
	"os"
	"testing"

	"github.com/ferrycd/ferry/remediator"
)

func TestActionsByRootCauseTitleThenDefault(t *testing.T) {
	src := `apiVersion: spec.keptn.sh/0.1.4
kind: Remediation
metadata: {name: r}
spec:
  remediations:
    - problemType: default
      actionsOnOpen: [{action: escalate, name: tell someone}]
    - problemType: Response time degradation
      actionsOnOpen: [{action: scaling, value: "+1"}, {action: toggle-feature, value: {EnableItemCache: "on"}}]
    - problemType: response_time_p90
      actionsOnOpen: [{action: rollback}]
`
	r, d := remediator.ParseRemediation("remediation.yaml", []byte(src), nil)
	if r == nil {
		t.Fatal(d.Diagnostics().Error())
	}
	kinds := func(acts []*remediator.Action) []string {
		var out []string
		for _, a := range acts {
			out = append(out, a.Kind())
		}
		return out
	}
	tests := []struct {
		rootCause, title string
		want             []string
	}{
		{"response_time_p90", "Response time degradation", []string{"rollback"}},
		{"", "Response time degradation", []string{"scaling", "togglefeature"}},
		{"cpu", "Something else", []string{"escalate"}},
	}
	for _, tt := range tests {
		got := kinds(r.Actions(tt.rootCause, tt.title))
		if len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
			t.Errorf("Actions(%q, %q) = %v, want %v", tt.rootCause, tt.title, got, tt.want)
		}
	}
}

func TestNoDefaultMeansNoActions(t *testing.T) {
	data, err := os.ReadFile("../testdata/keptn-examples/keptn/remediation-service/handler/test/remediation-without-default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, d := remediator.ParseRemediation("r.yaml", data, []string{"action1", "action2", "action11", "action22"})
	if r == nil {
		t.Fatal(d.Diagnostics().Error())
	}
	if len(d.Diagnostics()) != 0 {
		t.Errorf("declared external actions still warn: %s", d.Diagnostics().Error())
	}
	if acts := r.Actions("", "unknown problem"); acts != nil {
		t.Errorf("unknown problem got actions %v", acts)
	}
}
