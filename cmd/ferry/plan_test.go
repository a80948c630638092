package main_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/internal/gittest"
)

// planRepo is the sockshop project on main with two branches: a pin bump
// of carts and a broken SLO.
func planRepo(tb testing.TB) string {
	tb.Helper()
	bare := gittest.InitBare(tb)
	gittest.CommitTxtar(tb, bare, "main", filepath.Join("..", "..", "stages", "testdata", "sockshop.txtar"))
	gittest.Git(tb, bare, "branch", "bump", "main")
	gittest.Git(tb, bare, "branch", "fork", "main")
	gittest.CommitFiles(tb, bare, "bump", "carts 0.13.3", gittest.Files{
		"services/carts/pin.yaml": gittest.Text("image: docker.io/keptnexamples/carts:0.13.3\n"),
	})
	// A fork's pull request and merge request: refs the base repository
	// keeps for them, on no branch.
	fork := gittest.CommitFiles(tb, bare, "fork", "carts 0.13.4", gittest.Files{
		"services/carts/pin.yaml": gittest.Text("image: docker.io/keptnexamples/carts:0.13.4\n"),
	})
	gittest.Git(tb, bare, "update-ref", "refs/pull/7/head", fork)
	gittest.Git(tb, bare, "update-ref", "refs/merge-requests/7/head", fork)
	gittest.Git(tb, bare, "update-ref", "-d", "refs/heads/fork")
	gittest.Git(tb, bare, "branch", "broken", "main")
	gittest.CommitFiles(tb, bare, "broken", "broken slo", gittest.Files{
		"services/carts/stages/staging/slo.yaml": gittest.Text("spec_version: \"1.0\"\nobjectives:\n  - sli: response_time_p95\n    pass:\n      - criteria: [\"<=fast\"]\n"),
	})
	return bare
}

func TestPlanCLI(t *testing.T) {
	bare := planRepo(t)
	clone := filepath.Join(t.TempDir(), "clone")
	gittest.Git(t, "", "clone", "--quiet", "--branch", "bump", bare, clone)
	bumpSHA := gittest.Git(t, clone, "rev-parse", "HEAD")
	mainSHA := strings.TrimSpace(gittest.Git(t, bare, "rev-parse", "main"))
	state := filepath.Join(t.TempDir(), "state")
	noCache := []string{"HOME=", "XDG_CACHE_HOME="}

	tests := []struct {
		name     string
		dir      string
		env      []string
		args     []string
		code     int
		contains []string
	}{{
		name: "in a clone, its branch against main",
		dir:  clone,
		args: []string{"plan"},
		contains: []string{
			"carts: starts sequence delivery in dev",
			"production.delivery: deployment, release — stops before the stage: held by holds/production.yaml (end-of-year freeze, until 2027-01-04T08:00:00Z)",
			"Deployment/shipyard-sockshop-dev/carts changed: image docker.io/keptnexamples/carts:0.13.2 → docker.io/keptnexamples/carts:0.13.3",
			"+        image: \"docker.io/keptnexamples/carts:0.13.3\"",
		},
	}, {
		name:     "markdown with --repo and a full ref",
		dir:      t.TempDir(),
		args:     []string{"plan", "--repo", bare, "--base", "refs/heads/main", "--head", "refs/heads/bump", "-o", "markdown"},
		contains: []string{"#### Candidates", "- **carts**: starts sequence delivery in dev", "```diff"},
	}, {
		name:     "no cache directory: one temporary mirror holds base and head",
		dir:      t.TempDir(),
		env:      noCache,
		args:     []string{"plan", "--repo", bare, "--head", "bump"},
		contains: []string{"carts: starts sequence delivery in dev", "docker.io/keptnexamples/carts:0.13.3"},
	}, {
		name:     "a fork's pull request",
		dir:      t.TempDir(),
		env:      noCache,
		args:     []string{"plan", "--repo", bare, "--head", "refs/pull/7/head"},
		contains: []string{"carts: starts sequence delivery in dev", "docker.io/keptnexamples/carts:0.13.4"},
	}, {
		name:     "a fork's merge request",
		dir:      t.TempDir(),
		args:     []string{"plan", "--repo", bare, "--state-dir", state, "--head", "refs/merge-requests/7/head"},
		contains: []string{"carts: starts sequence delivery in dev", "docker.io/keptnexamples/carts:0.13.4"},
	}, {
		name:     "a branch fetched into a mirror",
		dir:      t.TempDir(),
		args:     []string{"plan", "--repo", bare, "--state-dir", state, "--head", "bump"},
		contains: []string{"docker.io/keptnexamples/carts:0.13.3"},
	}, {
		name:     "a full SHA fetched before",
		dir:      t.TempDir(),
		args:     []string{"plan", "--repo", bare, "--state-dir", state, "--head", bumpSHA},
		contains: []string{"docker.io/keptnexamples/carts:0.13.3"},
	}, {
		name:     "a commit prefix of main as base",
		dir:      t.TempDir(),
		args:     []string{"plan", "--repo", bare, "--base", mainSHA[:10], "--head", "bump"},
		contains: []string{"Plan of " + bumpSHA[:7] + " onto " + mainSHA[:7]},
	}, {
		name: "a commit prefix on no fetched ref",
		dir:  t.TempDir(),
		args: []string{"plan", "--repo", bare, "--head", "0123456789"},
		code: 2,
	}, {
		name: "no such pull request",
		dir:  t.TempDir(),
		args: []string{"plan", "--repo", bare, "--head", "refs/pull/8/head"},
		code: 2,
	}, {
		name:     "an invalid head",
		dir:      t.TempDir(),
		args:     []string{"plan", "--repo", bare, "--head", "broken"},
		code:     1,
		contains: []string{"the head does not validate", "services/carts/stages/staging/slo.yaml:5:"},
	}, {
		name: "no such branch",
		dir:  t.TempDir(),
		args: []string{"plan", "--repo", bare, "--head", "nosuch"},
		code: 2,
	}, {
		name: "bad output",
		dir:  clone,
		args: []string{"plan", "-o", "html"},
		code: 2,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ferryEnv(t, tt.dir, tt.env, tt.args...)
			if res.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, tt.code, res.stdout, res.stderr)
			}
			for _, s := range tt.contains {
				if !strings.Contains(res.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, res.stdout)
				}
			}
		})
	}

	res := ferry(t, clone, "plan", "-o", "json")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var got struct {
		Head         string   `json:"head"`
		ChangedFiles []string `json:"changedFiles"`
		Candidates   []struct {
			Service string `json:"service"`
		} `json:"candidates"`
		Diagnostics []any `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("%v:\n%s", err, res.stdout)
	}
	if got.Head != bumpSHA || len(got.Candidates) != 1 || got.Candidates[0].Service != "carts" || got.Diagnostics == nil {
		t.Errorf("json %+v", got)
	}
}
