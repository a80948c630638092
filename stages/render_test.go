package stages_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/stages/renderer"
)

// TestRenderUnderLimits: a chart that renders forever or renders too much
// fails its render with the reason, and the repaired chart renders again.
func TestRenderUnderLimits(t *testing.T) {
	limits := renderer.Options{Timeout: time.Second, MaxOutput: 64 << 10}
	tests := []struct {
		name, template string
		want           error
		msg            string
	}{
		{
			"endless", `{{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}`,
			renderer.ErrTimeout, "render carts for dev: the chart did not render within 1s",
		},
		{
			"huge", `data: {{ range until 1024 }}{{ "x" | repeat 1024 }}{{ end }}`,
			renderer.ErrTooLarge, "render carts for dev: the rendered manifests exceed 64 KiB",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := loadTxtar(t, "sockshop.txtar")
			files["services/carts/chart/templates/hostile.yaml"] = []byte(tt.template)
			p := loadProject(t, files)
			p.RenderLimits = limits
			_, err := p.Render("carts", "dev", nil)
			if !errors.Is(err, tt.want) || err.Error() != tt.msg {
				t.Errorf("Render = %v, want %q", err, tt.msg)
			}
			_, err = p.StageFiles("carts", "dev", nil, &stages.Release{Run: "r1"})
			if !errors.Is(err, tt.want) || err.Error() != tt.msg {
				t.Errorf("StageFiles = %v, want %q", err, tt.msg)
			}

			delete(files, "services/carts/chart/templates/hostile.yaml")
			p = loadProject(t, files)
			p.RenderLimits = limits
			got, err := p.Render("carts", "dev", nil)
			if err != nil {
				t.Fatalf("repaired chart: %v", err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "render", "carts-dev.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("repaired chart (-golden +got):\n%s", diff)
			}
		})
	}
}

// TestCacheRenderLimits: projects loaded by a Cache render under its
// limits.
func TestCacheRenderLimits(t *testing.T) {
	dir := gittest.InitBare(t)
	files := gittest.Files{"services/carts/chart/templates/hostile.yaml": gittest.Text(`{{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}`)}
	for name, data := range loadTxtar(t, "sockshop.txtar") {
		files[name] = gittest.Text(string(data))
	}
	sha := gittest.CommitFiles(t, dir, "main", "an endless template", files)
	srv := gittest.NewInProcess(t, dir)
	s, err := gitstore.Open(gitstore.Options{URL: srv.URL, Dir: filepath.Join(t.TempDir(), "state")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if _, err := s.Fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := stages.NewCache(s.Reader)
	c.RenderLimits = renderer.Options{Timeout: time.Second}
	p, err := c.At(gitstore.NewHash(sha))
	if err != nil {
		t.Fatal(err)
	}
	const want = "render carts for dev: the chart did not render within 1s"
	if _, err := p.Render("carts", "dev", nil); err == nil || err.Error() != want {
		t.Errorf("Render = %v, want %q", err, want)
	}
}

// TestCheckCharts: every failing render of a project is reported at once,
// a hung one included.
func TestCheckCharts(t *testing.T) {
	p := loadProject(t, loadTxtar(t, "sockshop.txtar"))
	if diags := p.CheckCharts(context.Background()); len(diags) > 0 {
		t.Fatalf("CheckCharts = %v", diags)
	}
	files := loadTxtar(t, "sockshop.txtar")
	files["services/carts/chart/templates/hostile.yaml"] = []byte(`{{ if hasSuffix "production" .Release.Namespace }}` +
		`{{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}{{ end }}`)
	files["services/carts/chart/templates/dev.yaml"] = []byte(`{{ if hasSuffix "dev" .Release.Namespace }}{{ fail "not in dev" }}{{ end }}`)
	p = loadProject(t, files)
	p.RenderLimits = renderer.Options{Timeout: time.Second}
	var got []string
	for _, d := range p.CheckCharts(context.Background()) {
		got = append(got, d.Error())
	}
	want := []string{
		"services/carts/chart/Chart.yaml:1:1: render carts for dev: execution error at (carts/templates/dev.yaml:1:46): not in dev",
		"services/carts/chart/Chart.yaml:1:1: render carts for production: the chart did not render within 1s",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CheckCharts (-want +got):\n%s", diff)
	}
}
