package importer_test

import (
	"context"
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/importer"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/internal/keptnrepo"
	"github.com/ferrycd/ferry/stages"
)

// wantFiles are the files every import of the test upstream writes.
var wantFiles = []string{
	"ferry.yaml",
	"services/carts-db/chart/Chart.yaml",
	"services/carts-db/chart/templates/carts-db-deployment.yaml",
	"services/carts-db/chart/templates/carts-db-service.yaml",
	"services/carts-db/chart/values.yaml",
	"services/carts-db/pin.yaml",
	"services/carts-db/stages/production/sli.yaml",
	"services/carts/chart/Chart.yaml",
	"services/carts/chart/templates/deployment.yaml",
	"services/carts/chart/templates/service.yaml",
	"services/carts/chart/values.yaml",
	"services/carts/pin.yaml",
	"services/carts/stages/production/remediation.yaml",
	"services/carts/stages/production/sli.yaml",
	"services/carts/stages/production/slo.yaml",
	"services/carts/stages/production/values.yaml",
	"services/carts/stages/staging/sli.yaml",
	"services/carts/stages/staging/slo.yaml",
	"shipyard.yaml",
}

func TestImport(t *testing.T) {
	tests := []struct {
		name   string
		layout keptnrepo.Layout
		// source returns what to import from, given the bare upstream.
		source func(tb testing.TB, bare string) string
		// where turns "stage:path" into the layout's upstream path.
		where func(stage, p string) string
	}{
		{
			name: "branch per stage, bare repository path, chart archive", layout: keptnrepo.Layout{Archive: true},
			source: func(_ testing.TB, bare string) string { return bare },
			where:  func(stage, p string) string { return stage + ":" + p },
		},
		{
			name: "branch per stage, non-bare clone path, unpacked charts",
			source: func(tb testing.TB, bare string) string {
				work := filepath.Join(tb.TempDir(), "clone")
				gittest.Git(tb, "", "clone", "--quiet", bare, work)
				for _, stage := range []string{"dev", "staging", "production"} {
					gittest.Git(tb, work, "branch", "--quiet", stage, "origin/"+stage)
				}
				return work
			},
			where: func(stage, p string) string { return stage + ":" + p },
		},
		{
			name: "directory per stage, HTTP URL, chart archive", layout: keptnrepo.Layout{Directory: true, Archive: true},
			source: func(tb testing.TB, bare string) string {
				_, url := gittest.NewHTTPServer(tb, bare, nil)
				return url
			},
			where: func(stage, p string) string { return ".keptn-stages/" + stage + "/" + p },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.source(t, keptnrepo.New(t, tt.layout))
			u, err := importer.Read(context.Background(), importer.ReadOptions{Store: gitstore.Options{URL: src}})
			if err != nil {
				t.Fatal(err)
			}
			if u.Branch != "master" {
				t.Errorf("default branch %q, want master", u.Branch)
			}
			res, err := importer.Import(u, importer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantFiles, res.Report.Files); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			checkContents(t, res.Files)
			checkReport(t, res.Report, tt.where)
			checkLoadsAndRenders(t, res.Files)
		})
	}
}

func checkContents(t *testing.T, files stages.Files) {
	t.Helper()
	want := map[string]string{
		"ferry.yaml":                                   "project: sockshop\n",
		"services/carts/pin.yaml":                      "image: docker.io/keptnexamples/carts:0.13.2\n",
		"services/carts-db/pin.yaml":                   "image: mongo\n",
		"services/carts/stages/production/values.yaml": "replicaCount: 2\n",
	}
	for p, w := range want {
		if !strings.HasSuffix(string(files[p]), w) {
			t.Errorf("%s:\n%s\nwant it to end with:\n%s", p, files[p], w)
		}
	}
	prod, staging := string(files["services/carts/stages/production/sli.yaml"]), string(files["services/carts/stages/staging/sli.yaml"])
	for _, sli := range []string{"response_time_p50", "response_time_p90", "response_time_p95"} {
		if !strings.Contains(staging, sli+":") || !strings.Contains(prod, sli+":") {
			t.Errorf("%s missing from a stage's sli.yaml:\nstaging:\n%s\nproduction:\n%s", sli, staging, prod)
		}
	}
	if !strings.Contains(prod, "error_rate:") || strings.Contains(prod, "stage_wide_query_that_loses") || strings.Contains(staging, "error_rate") {
		t.Errorf("production's stage-wide SLIs are not merged under the service's:\nproduction:\n%s\nstaging:\n%s", prod, staging)
	}
}

func checkReport(t *testing.T, r *importer.Report, where func(stage, p string) string) {
	t.Helper()
	if r.Project != "sockshop" || r.Layout == "" {
		t.Errorf("project %q, layout %q", r.Project, r.Layout)
	}
	gotSvcs := map[string]string{}
	for _, s := range r.Services {
		gotSvcs[s.Name] = s.PinStage + " " + s.Pin
	}
	wantSvcs := map[string]string{"carts": "dev image: docker.io/keptnexamples/carts:0.13.2", "carts-db": "dev image: mongo"}
	if diff := cmp.Diff(wantSvcs, gotSvcs); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
	paths := func(kind importer.FindingKind) []string {
		var out []string
		for _, f := range r.Of(kind) {
			out = append(out, f.Path)
		}
		sort.Strings(out)
		return out
	}
	wantLeftOut := []string{
		where("dev", "carts/dynatrace/sli.yaml"),
		where("dev", "carts/jmeter/load.jmx"),
		where("staging", "carts/helm/carts-generated/Chart.yaml"),
	}
	sort.Strings(wantLeftOut)
	if diff := cmp.Diff(wantLeftOut, paths(importer.FindingLeftOut)); diff != "" {
		t.Errorf("left out (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{where("production", "prometheus/sli.yaml")}, paths(importer.FindingMoved)); diff != "" {
		t.Errorf("moved (-want +got):\n%s", diff)
	}
	var differs []string
	for _, f := range r.Of(importer.FindingDiffers) {
		differs = append(differs, f.String())
	}
	all := strings.Join(differs, "\n")
	for _, want := range []string{
		"task test in dev.delivery has no subscriber",
		"task test in staging.delivery has no subscriber",
		"deployment in staging.delivery uses blue_green_service",
		"deployment in production.delivery uses blue_green_service",
		"stage staging runs image: docker.io/keptnexamples/carts:0.13.1",
		"stage production runs image: docker.io/keptnexamples/carts:0.13.1",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no finding %q in:\n%s", want, all)
		}
	}
	if !strings.Contains(r.CommitMessage(), "- services/carts: chart ") {
		t.Errorf("commit message:\n%s", r.CommitMessage())
	}
}

// checkLoadsAndRenders loads the files as ferry validate does and renders
// every service in every stage.
func checkLoadsAndRenders(t *testing.T, files stages.Files) {
	t.Helper()
	p, diags := stages.Load(files)
	if p == nil {
		t.Fatalf("the imported files do not load:\n%v", diags)
	}
	if errs := p.CheckCharts(context.Background()); errs.HasErrors() {
		t.Errorf("charts: %v", errs)
	}
	for _, svc := range []string{"carts", "carts-db"} {
		for _, stage := range p.Shipyard.StageNames() {
			out, err := p.StageFiles(svc, stage, nil, &stages.Release{Service: svc, Stage: stage})
			if err != nil {
				t.Errorf("render %s in %s: %v", svc, stage, err)
				continue
			}
			m := string(out["services/"+svc+"/manifests.yaml"])
			if svc == "carts" && !strings.Contains(m, "carts:0.13.2") {
				t.Errorf("carts in %s does not run the pinned image:\n%s", stage, m)
			}
			if svc == "carts" && stage == "production" && !strings.Contains(m, "replicas: 2") {
				t.Errorf("carts in production lost its two replicas:\n%s", m)
			}
		}
	}
}

func TestCommitBranch(t *testing.T) {
	ctx := context.Background()
	u, err := importer.Read(ctx, importer.ReadOptions{Store: gitstore.Options{URL: keptnrepo.New(t, keptnrepo.Layout{Archive: true})}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := importer.Import(u, importer.Options{Project: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	dest := gittest.InitBare(t)
	mainSHA := gittest.CommitFiles(t, dest, "main", "start", gittest.Files{
		"README.md":                     gittest.Text("# shop\n"),
		"services/old/pin.yaml":         gittest.Text("image: old:1\n"),
		"services/old/chart/Chart.yaml": gittest.Text("apiVersion: v2\nname: old\nversion: 0.1.0\n"),
	})
	_, url := gittest.NewHTTPServer(t, dest, nil)
	opts := importer.BranchOptions{Store: gitstore.Options{URL: url}, Branch: "import-keptn", Message: res.Report.CommitMessage()}
	h, err := importer.CommitBranch(ctx, opts, res.Files)
	if err != nil {
		t.Fatal(err)
	}
	if got := gittest.Git(t, dest, "rev-parse", "import-keptn"); got != h.String() {
		t.Errorf("branch at %s, want %s", got, h)
	}
	if got := gittest.Git(t, dest, "rev-parse", "import-keptn^"); got != mainSHA {
		t.Errorf("parent %s, want main %s", got, mainSHA)
	}
	if got := gittest.Git(t, dest, "rev-parse", "main"); got != mainSHA {
		t.Errorf("main moved to %s", got)
	}
	tree := strings.Split(gittest.Git(t, dest, "ls-tree", "-r", "--name-only", "import-keptn"), "\n")
	want := append([]string{"README.md"}, wantFiles...)
	sort.Strings(want)
	if diff := cmp.Diff(want, tree); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	if got := gittest.Git(t, dest, "show", "import-keptn:ferry.yaml"); !strings.HasSuffix(got, "project: shop") {
		t.Errorf("ferry.yaml: %s", got)
	}
	if msg := gittest.Git(t, dest, "log", "-1", "--format=%B", "import-keptn"); !strings.HasPrefix(msg, "Import Keptn project shop") || !strings.Contains(msg, "Left out:") {
		t.Errorf("message:\n%s", msg)
	}
	gittest.Git(t, dest, "fsck", "--strict")
	if _, err := importer.CommitBranch(ctx, opts, res.Files); !errors.Is(err, importer.ErrBranchExists) {
		t.Errorf("second import: %v, want ErrBranchExists", err)
	}
}
