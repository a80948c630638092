package stages_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/internal/kustomizetest"
	"github.com/ferrycd/ferry/stages"
)

// TestKustomizeKeepsTheBranchBuildable: a branch an older ferry wrote
// (no kustomizations, a directory without manifests) builds with kustomize
// after each commit: a deployment, a remediation edit, a service removed
// (alone, or then restored from a release). The root lists exactly the
// service directories with manifests; alerts.yaml is listed only with
// prometheusOperator.
func TestKustomizeKeepsTheBranchBuildable(t *testing.T) {
	for _, operator := range []bool{false, true} {
		t.Run(map[bool]string{false: "alerts kept out", true: "prometheusOperator"}[operator], func(t *testing.T) {
			files := loadTxtar(t, "sockshop.txtar")
			files["services/carts/stages/production/slo.yaml"] = files["services/carts/stages/staging/slo.yaml"]
			p := loadProject(t, files)
			p.Config.Alerts.PrometheusOperator = operator
			const stage = "production"
			ns := p.Namespace(stage)
			db, err := p.StageFiles("carts-db", stage, nil, &stages.Release{Service: "carts-db", Run: "r0"})
			if err != nil {
				t.Fatal(err)
			}
			dir := gittest.InitBare(t)
			old := gittest.Files{"services/old/release.yaml": gittest.Text("service: old\n"), "services/README": gittest.Text("x\n")}
			for name, data := range db {
				if data != nil {
					old[name] = gittest.Text(string(data))
				}
			}
			gittest.CommitFiles(t, dir, "main", "init", gittest.Files{"README": gittest.Text("x\n")})
			gittest.CommitFiles(t, dir, "stage/"+stage, "deploy carts-db by an older ferry", old)
			srv := gittest.NewInProcess(t, dir)
			s, err := gitstore.Open(gitstore.Options{URL: srv.URL, Dir: filepath.Join(t.TempDir(), "state")})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.Close() }()
			res, err := s.Fetch(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			b := s.Begin(res.Snapshot)
			ref := s.StageRef(stage)

			carts, err := p.StageFiles("carts", stage, nil, &stages.Release{Service: "carts", Run: "r1"})
			if err != nil {
				t.Fatal(err)
			}
			scaled, err := p.Render("carts", stage, map[string]any{"replicaCount": 5})
			if err != nil {
				t.Fatal(err)
			}
			steps := []struct {
				name     string
				edits    []gitstore.Edit
				services []string
			}{
				{"deploy carts", puts(carts), []string{"carts", "carts-db"}},
				{"remediate carts", []gitstore.Edit{
					gitstore.Put("services/carts/overrides.yaml", []byte("replicaCount: 5\n")),
					gitstore.Put("services/carts/manifests.yaml", scaled),
				}, []string{"carts", "carts-db"}},
				{"remove carts-db", []gitstore.Edit{gitstore.Delete("services/carts-db")}, []string{"carts"}},
				{"restore carts-db", append([]gitstore.Edit{gitstore.Delete("services/carts-db")}, puts(db)...), []string{"carts", "carts-db"}},
				{"roll carts back to nothing", []gitstore.Edit{gitstore.Delete("services/carts")}, []string{"carts-db"}},
			}
			sawAlerts := false
			for _, step := range steps {
				edits, err := p.Kustomize(b.Reader, b.Tip(ref), stage, step.edits)
				if err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
				if _, err := b.Commit(ref, gitstore.CommitRequest{Message: step.name, Edits: edits}); err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
				files, err := b.ReadDir(b.Tip(ref), "")
				if err != nil {
					t.Fatal(err)
				}
				tree := readTree(t, b, b.Tip(ref))
				if diff := cmp.Diff(string(stages.RootKustomization(step.services)), string(files[stages.KustomizationFile])); diff != "" {
					t.Errorf("%s: root kustomization (-want +got):\n%s", step.name, diff)
				}
				for _, problem := range kustomizetest.Problems(tree, ns) {
					t.Errorf("%s: %s", step.name, problem)
				}
				for _, svc := range step.services {
					k := string(tree["services/"+svc+"/kustomization.yaml"])
					hasAlerts := tree["services/"+svc+"/alerts.yaml"] != nil
					sawAlerts = sawAlerts || hasAlerts
					if listed := strings.Contains(k, "alerts.yaml"); listed != (operator && hasAlerts) {
						t.Errorf("%s: %s lists alerts.yaml: %v, want %v:\n%s", step.name, svc, listed, operator && hasAlerts, k)
					}
				}
			}
			if !sawAlerts {
				t.Error("no service had alerts.yaml: the test checks nothing of them")
			}
			if _, err := s.Push(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			kustomizetest.CheckStageBranches(t, dir, func(string) string { return ns })
		})
	}
}

func puts(files map[string][]byte) []gitstore.Edit {
	var edits []gitstore.Edit
	for name, data := range files {
		if data == nil {
			edits = append(edits, gitstore.Delete(name))
		} else {
			edits = append(edits, gitstore.Put(name, data))
		}
	}
	return edits
}

// readTree returns every file of commit c, by path.
func readTree(tb testing.TB, b *gitstore.Batch, c gitstore.Hash) map[string][]byte {
	tb.Helper()
	sizes, err := b.ListFiles(c, "")
	if err != nil {
		tb.Fatal(err)
	}
	tree := map[string][]byte{}
	for name := range sizes {
		if tree[name], err = b.ReadFile(c, name); err != nil {
			tb.Fatal(err)
		}
	}
	return tree
}

func TestRootKustomization(t *testing.T) {
	want := `# Maintained by ferry: every commit to this branch rewrites it.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - namespace.yaml
  - services/a
  - services/b
`
	if diff := cmp.Diff(want, string(stages.RootKustomization([]string{"b", "a"}))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
