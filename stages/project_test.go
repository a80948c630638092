package stages_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/ferrycd/ferry/stages"
)

var update = flag.Bool("update", false, "rewrite golden files")

func loadTxtar(tb testing.TB, name string) stages.Files {
	tb.Helper()
	a, err := txtar.ParseFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	files := stages.Files{}
	for _, f := range a.Files {
		files[f.Name] = f.Data
	}
	return files
}

func loadProject(tb testing.TB, files stages.Files) *stages.Project {
	tb.Helper()
	p, diags := stages.Load(files)
	if p == nil {
		tb.Fatalf("load:\n%s", diags.Error())
	}
	return p
}

func TestLoadSockshop(t *testing.T) {
	p := loadProject(t, loadTxtar(t, "sockshop.txtar"))
	if p.Name != "shipyard-sockshop" {
		t.Errorf("project name = %q", p.Name)
	}
	if diff := cmp.Diff([]string{"dev", "staging", "production"}, p.Shipyard.StageNames()); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"carts", "carts-db"}, keys(p.Services)); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
	if got := p.Config.Concurrency("production"); got != stages.ConcurrencyLatest {
		t.Errorf("production concurrency = %q", got)
	}
	if got := p.Config.Concurrency("dev"); got != stages.ConcurrencyQueue {
		t.Errorf("dev concurrency = %q", got)
	}
	slis := p.SLIs("carts", "staging")
	if !strings.Contains(slis["throughput"], "$SERVICE") || !strings.Contains(slis["response_time_p95"], "histogram_quantile") {
		t.Errorf("SLIs = %v", slis)
	}
	if slo, file := p.SLO("carts", "staging"); slo == nil || file != "services/carts/stages/staging/slo.yaml" {
		t.Errorf("SLO(carts, staging) = %v, %q", slo, file)
	}
	if slo, _ := p.SLO("carts", "dev"); slo != nil {
		t.Errorf("SLO(carts, dev) = %v, want none", slo)
	}
	if r := p.Remediation("carts", "production"); r == nil || len(r.Actions("", "Response time degradation")) != 1 {
		t.Errorf("remediation for a known problem: %v", r)
	}
}

func TestNextSequences(t *testing.T) {
	p := loadProject(t, loadTxtar(t, "sockshop.txtar"))
	tests := []struct {
		stage, seq, result string
		tasks              map[string]string
		want               []stages.SequenceRef
	}{
		{"dev", "delivery", "pass", nil, []stages.SequenceRef{{Stage: "staging", Sequence: "delivery"}}},
		{"dev", "delivery", "warning", nil, []stages.SequenceRef{{Stage: "staging", Sequence: "delivery"}}},
		{"dev", "delivery", "fail", nil, nil},
		{"staging", "delivery", "fail", nil, []stages.SequenceRef{{Stage: "staging", Sequence: "rollback"}}},
		{"staging", "delivery", "pass", nil, []stages.SequenceRef{{Stage: "production", Sequence: "delivery"}}},
		{"production", "remediation", "fail", map[string]string{"evaluation": "fail"}, []stages.SequenceRef{{Stage: "production", Sequence: "remediation"}}},
		{"production", "remediation", "pass", map[string]string{"evaluation": "pass"}, nil},
	}
	for _, tt := range tests {
		got := p.Shipyard.Next(tt.stage, tt.seq, tt.result, tt.tasks)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Next(%s.%s, %s) (-want +got):\n%s", tt.stage, tt.seq, tt.result, diff)
		}
	}
}

func TestCandidates(t *testing.T) {
	p := loadProject(t, loadTxtar(t, "sockshop.txtar"))
	tests := []struct {
		changed []string
		want    []string
	}{
		{[]string{"services/carts/pin.yaml"}, []string{"carts"}},
		{[]string{"services/carts-db/chart/values.yaml", "services/carts/stages/dev/values.yaml"}, []string{"carts", "carts-db"}},
		{[]string{"sli.yaml"}, []string{"carts"}},
		{[]string{"shipyard.yaml", "holds/production.yaml", "ferry.yaml", "README.md"}, nil},
		{[]string{"services/gone/pin.yaml"}, nil},
	}
	for _, tt := range tests {
		got := p.Candidates(tt.changed)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Candidates(%v) (-want +got):\n%s", tt.changed, diff)
		}
	}
}

func TestHolds(t *testing.T) {
	files := loadTxtar(t, "sockshop.txtar")
	files["services/carts/stages/staging/hold.yaml"] = []byte("reason: investigating a leak\n")
	p := loadProject(t, files)
	before := time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC)
	after := time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC)
	if h := p.HoldOn("carts", "production", before); h == nil || h.Reason != "end-of-year freeze" {
		t.Errorf("production hold before until = %v", h)
	}
	if h := p.HoldOn("carts", "production", after); h != nil {
		t.Errorf("production hold after until = %v, want none", h)
	}
	if h := p.HoldOn("carts", "staging", after); h == nil || h.Reason != "investigating a leak" {
		t.Errorf("carts staging hold = %v", h)
	}
	if h := p.HoldOn("carts-db", "staging", after); h != nil {
		t.Errorf("carts-db staging hold = %v, want none", h)
	}
}

func TestValuesLayering(t *testing.T) {
	p := loadProject(t, loadTxtar(t, "sockshop.txtar"))
	got := p.Values("carts", "production", map[string]any{"replicaCount": 3})
	want := map[string]any{
		"replicaCount": 3,
		"image":        "docker.io/keptnexamples/carts:0.13.2",
		"keptn":        map[string]any{"project": "shipyard-sockshop", "stage": "production", "service": "carts", "deployment": "primary"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Values (-want +got):\n%s", diff)
	}
	got = p.Values("carts", "production", nil)
	if got["replicaCount"] != 2 {
		t.Errorf("stage values.yaml should win over service values.yaml: %v", got["replicaCount"])
	}
}

func TestRenderGolden(t *testing.T) {
	p := loadProject(t, loadTxtar(t, "sockshop.txtar"))
	for _, tc := range []struct{ svc, stage string }{{"carts", "dev"}, {"carts", "production"}, {"carts-db", "staging"}} {
		t.Run(tc.svc+"-"+tc.stage, func(t *testing.T) {
			got, err := p.Render(tc.svc, tc.stage, nil)
			if err != nil {
				t.Fatal(err)
			}
			again, err := p.Render(tc.svc, tc.stage, nil)
			if err != nil || string(again) != string(got) {
				t.Fatalf("rendering twice gave different bytes")
			}
			golden := filepath.Join("testdata", "render", tc.svc+"-"+tc.stage+".yaml")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("rendered manifests (-golden +got):\n%s", diff)
			}
		})
	}
}

func TestRenderErrorNamesTheTemplate(t *testing.T) {
	files := loadTxtar(t, "sockshop.txtar")
	files["services/carts/chart/templates/broken.yaml"] = []byte("kind: ConfigMap\ndata:\n  x: {{ .Values.nope.deeper }}\n")
	p := loadProject(t, files)
	_, err := p.Render("carts", "dev", nil)
	if err == nil || !strings.Contains(err.Error(), "carts/templates/broken.yaml:3") {
		t.Fatalf("Render = %v, want an error naming carts/templates/broken.yaml:3", err)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	stages.SortStrings(out)
	return out
}
