package main_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/internal/keptnrepo"
)

// TestImportKeptn imports the sockshop upstream as a user would, into a
// directory (then validates it) and as a branch of a clone's origin.
func TestImportKeptn(t *testing.T) {
	upstream := keptnrepo.New(t, keptnrepo.Layout{Archive: true})
	_, url := gittest.NewHTTPServer(t, upstream, nil)
	out := filepath.Join(t.TempDir(), "sockshop")

	r := ferry(t, "", "import", "keptn", "--from", url, "--out", out)
	if r.code != 0 {
		t.Fatalf("import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"Imported Keptn project sockshop", "carts-db", "image: mongo",
		"Behaves differently in ferry:", "blue_green_service", "Left out:", "dev:carts/jmeter/load.jmx",
		"Wrote 19 files to " + out,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if v := ferry(t, "", "validate", out); v.code != 0 {
		t.Errorf("validate: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	if v := ferry(t, "", "render", "carts", "--stage", "production", "--dir", out); v.code != 0 || !strings.Contains(v.stdout, "carts:0.13.2") {
		t.Errorf("render:\n%s", v.stdout)
	}
	if again := ferry(t, "", "import", "keptn", "--from", url, "--out", out); again.code != 1 || !strings.Contains(again.stderr, "not empty") {
		t.Errorf("import into a full directory: exit %d\n%s", again.code, again.stderr)
	}

	// --branch, -o json: one commit on a new branch of the clone's origin.
	dest := gittest.InitBare(t)
	main := gittest.CommitFiles(t, dest, "main", "start", gittest.Files{"README.md": gittest.Text("# shop\n")})
	clone := filepath.Join(t.TempDir(), "clone")
	gittest.Git(t, "", "clone", "--quiet", dest, clone)
	r = ferry(t, clone, "import", "keptn", "--from", upstream, "--branch", "import-keptn", "--project", "shop", "-o", "json")
	if r.code != 0 {
		t.Fatalf("import --branch: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var rep struct {
		Project, Commit, TargetBranch string
		Findings                      []struct{ Kind, Path string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	if rep.Project != "shop" || rep.TargetBranch != "import-keptn" || len(rep.Findings) == 0 {
		t.Errorf("report: %+v", rep)
	}
	if got := gittest.Git(t, dest, "rev-parse", "import-keptn"); got != rep.Commit {
		t.Errorf("branch at %s, report says %s", got, rep.Commit)
	}
	if got := gittest.Git(t, dest, "rev-parse", "import-keptn^"); got != main {
		t.Errorf("parent %s, want main %s", got, main)
	}
	if v := ferry(t, "", "validate", "--repo", dest, "--ref", "import-keptn"); v.code != 0 {
		t.Errorf("validate the branch: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	if u := ferry(t, "", "import", "keptn", "--from", upstream); u.code != 2 {
		t.Errorf("no --out nor --branch: exit %d, want 2", u.code)
	}
}
