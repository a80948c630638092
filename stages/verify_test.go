package stages_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/stages"
)

func TestVerifyStages(t *testing.T) {
	files := loadTxtar(t, "sockshop.txtar")
	files["ferry.yaml"] = []byte("verify:\n  stages: [production, prod]\n")
	p, diags := stages.Load(files)
	if p == nil {
		t.Fatalf("load: %v", diags)
	}
	var got []string
	for _, d := range diags {
		if d.File == stages.ConfigFile {
			got = append(got, d.Error())
		}
	}
	want := []string{`ferry.yaml:2:24: warning: verify.stages[1]: no stage "prod" in shipyard.yaml (stages: dev, staging, production); the signature check never applies`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ferry.yaml diagnostics (-want +got):\n%s", diff)
	}
	main := &stages.Config{Verify: stages.VerifyConfig{Stages: []string{"staging"}}}
	for _, tt := range []struct {
		stage   string
		configs []*stages.Config
		want    bool
	}{
		{"production", []*stages.Config{p.Config}, true},
		{"staging", []*stages.Config{p.Config}, false},
		{"staging", []*stages.Config{p.Config, main}, true},
		{"dev", []*stages.Config{nil, main}, false},
	} {
		if got := stages.VerifiesStage(tt.stage, tt.configs...); got != tt.want {
			t.Errorf("VerifiesStage(%s) = %v, want %v", tt.stage, got, tt.want)
		}
	}
}
