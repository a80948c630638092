package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/ferrycd/ferry/internal/gittest"
)

var ferryBin string

// TestMain builds the ferry binary once; the tests run it as a user would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ferry-bin-")
	if err != nil {
		panic(err)
	}
	ferryBin = filepath.Join(dir, "ferry")
	// The tools (Gitea) stay where hack/ scripts cached them.
	if os.Getenv("FERRY_TOOLS_DIR") == "" {
		if cache, err := os.UserCacheDir(); err == nil {
			_ = os.Setenv("FERRY_TOOLS_DIR", filepath.Join(cache, "ferry-tools"))
		}
	}
	// Built before the cache directory moves, so that the build reuses the
	// Go build cache.
	build := exec.Command("go", "build", "-o", ferryBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build ferry: " + err.Error())
	}
	// Mirrors are cached below the user's cache directory: keep the tests'
	// apart, and read no repository from the environment.
	if err := os.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache")); err != nil {
		panic(err)
	}
	_ = os.Unsetenv("FERRY_REPO")
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func ferry(tb testing.TB, dir string, args ...string) result {
	tb.Helper()
	return ferryEnv(tb, dir, nil, args...)
}

// ferryEnv runs ferry with variables added to the environment.
func ferryEnv(tb testing.TB, dir string, env []string, args ...string) result {
	tb.Helper()
	cmd := exec.Command(ferryBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		tb.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

// project writes the sockshop test project to a directory and returns it.
func project(tb testing.TB, edit func(dir string)) string {
	tb.Helper()
	a, err := txtar.ParseFile("../../stages/testdata/sockshop.txtar")
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	for _, f := range a.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	if edit != nil {
		edit(dir)
	}
	return dir
}

func TestValidateKeptnProjects(t *testing.T) {
	for _, dir := range []string{
		"examples/onboarding-carts",
		"examples/quickstart/demo",
		"examples/unleash-server",
		"keptn/test/assets/podtato-head",
		"prometheus-service/test",
	} {
		r := ferry(t, "../../testdata/keptn-examples", "validate", dir)
		if r.code != 0 {
			t.Errorf("ferry validate %s: exit %d\n%s%s", dir, r.code, r.stdout, r.stderr)
		}
	}
}

func TestValidateProject(t *testing.T) {
	dir := project(t, nil)
	r := ferry(t, dir, "validate")
	if r.code != 0 || !strings.HasSuffix(r.stdout, "0 error(s), 6 warning(s)\n") {
		t.Errorf("valid project: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := ferry(t, dir, "validate", "--strict"); r.code != 1 {
		t.Errorf("--strict with warnings: exit %d, want 1", r.code)
	}
}

func TestValidateBrokenProjectListsEveryError(t *testing.T) {
	dir := project(t, func(dir string) {
		write(t, filepath.Join(dir, "services/carts/stages/staging/slo.yaml"),
			"spec_version: '1.0'\nobjectives:\n  - sli: response_time_p95\n    pass: [{criteria: ['<=fast']}]\n  - sli: nope\n    pass: [{criteria: ['<=1']}]\ntotal_score: {pass: 90%}\n")
		write(t, filepath.Join(dir, "holds/qa.yaml"), "reason: x\n")
		write(t, filepath.Join(dir, "services/carts/slo.yaml"),
			"spec_version: '1.0'\nobjectives:\n  - sli: nope\n    pass: [{criteria: ['<=1']}]\ntotal_score: {pass: 90%}\n")
		write(t, filepath.Join(dir, "services/carts-db/pin.yaml"), "image: [mongo\n")
	})
	r := ferry(t, dir, "validate", ".")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stdout)
	}
	for _, want := range []string{
		"holds/qa.yaml:1:1: no stage \"qa\" in shipyard.yaml",
		"services/carts-db/pin.yaml:2:1: invalid YAML: did not find expected ',' or ']'",
		"services/carts/slo.yaml:3:10: objectives[0].sli: sli \"nope\" is not defined in sli.yaml, services/carts/sli.yaml or services/carts/stages/<stage>/sli.yaml (for stage dev, staging, production)",
		"services/carts/stages/staging/slo.yaml:4:24: objectives[0].pass[0].criteria[0]: invalid criteria string \"<=fast\"",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}

	j := ferry(t, dir, "validate", "-o", "json")
	var v struct {
		Files []struct {
			File string `json:"file"`
			Kind string `json:"kind"`
		} `json:"files"`
		Diagnostics []struct {
			File     string `json:"file"`
			Line     int    `json:"line"`
			Column   int    `json:"column"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(j.stdout), &v); err != nil || j.code != 1 {
		t.Fatalf("-o json: exit %d, %v\n%s", j.code, err, j.stdout)
	}
	kinds := map[string]string{}
	for _, f := range v.Files {
		kinds[f.File] = f.Kind
	}
	for file, kind := range map[string]string{
		"shipyard.yaml": "shipyard", "holds/qa.yaml": "hold", "services/carts/slo.yaml": "slo",
		"services/carts/stages/staging/slo.yaml": "slo", "services/carts/chart/": "chart", "services/carts-db/pin.yaml": "pin",
	} {
		if kinds[file] != kind {
			t.Errorf("-o json reads %s as %q, want %q (files: %v)", file, kinds[file], kind, kinds)
		}
	}
	if !regexp.MustCompile(`(?m)^  services/carts/stages/staging/slo\.yaml +slo$`).MatchString(r.stdout) {
		t.Errorf("the human output does not say what it read:\n%s", r.stdout)
	}
	diags := v.Diagnostics
	found := false
	for _, d := range diags {
		if d.File == "holds/qa.yaml" && d.Line == 1 && d.Column == 1 && d.Severity == "error" {
			found = true
		}
	}
	if !found {
		t.Errorf("-o json lacks the hold error: %+v", diags)
	}
}

func TestValidateUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"validate", "--bogus"},
		{"validate", "-o", "xml"},
		{"validate", "--repo", "x", "dir"},
		{"nosuchcommand"},
		{"render"},
		{"render", "carts"},
	} {
		if r := ferry(t, "", args...); r.code != 2 {
			t.Errorf("ferry %v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
}

func TestValidateAndRenderFromRepository(t *testing.T) {
	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "../../stages/testdata/sockshop.txtar")
	_, url := gittest.NewHTTPServer(t, bare, nil)
	if r := ferry(t, "", "validate", "--repo", url, "--ref", "main"); r.code != 0 {
		t.Errorf("validate --repo: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := ferry(t, "", "render", "carts", "--stage", "production", "--repo", url)
	want := read(t, "../../stages/testdata/render/carts-production.yaml")
	if r.code != 0 || r.stdout != want {
		t.Errorf("render --repo: exit %d, output differs from the golden file\n%s", r.code, r.stderr)
	}
	local := ferry(t, project(t, nil), "render", "carts", "--stage", "production")
	if local.stdout != want {
		t.Errorf("render from a directory differs from the golden file")
	}
	if r := ferry(t, "", "render", "nope", "--stage", "production", "--repo", url); r.code != 1 || !strings.Contains(r.stderr, `unknown service "nope"; known: carts, carts-db`) {
		t.Errorf("render of a missing service: exit %d, %s", r.code, r.stderr)
	}
}

func write(tb testing.TB, p, s string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func read(tb testing.TB, p string) string {
	tb.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestRulesPrintsARuleFile(t *testing.T) {
	dir := project(t, func(dir string) {
		write(t, filepath.Join(dir, "services/carts/stages/production/slo.yaml"),
			"spec_version: '1.0'\nobjectives:\n  - sli: response_time_p90\n    pass: [{criteria: ['<=800']}]\ntotal_score: {pass: 90%}\n")
	})
	r := ferry(t, dir, "rules", "carts", "--stage", "production")
	if r.code != 0 || !strings.Contains(r.stdout, "groups:") || !strings.Contains(r.stdout, "alert: response_time_p90") || !strings.Contains(r.stdout, "> 800") {
		t.Errorf("ferry rules: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := ferry(t, dir, "rules", "carts", "--stage", "dev"); r.code != 1 || !strings.Contains(r.stderr, "no alert rules") {
		t.Errorf("ferry rules for a stage without remediation: exit %d %s", r.code, r.stderr)
	}
}

func TestProblemOpenAndProblems(t *testing.T) {
	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "../../stages/testdata/sockshop.txtar")
	_, url := gittest.NewHTTPServer(t, bare, nil)
	if r := ferry(t, "", "problems", "--repo", url); r.code != 0 || !strings.Contains(r.stdout, "no problems recorded") {
		t.Errorf("ferry problems on a new repository: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := ferry(t, "", "problem", "open", "--repo", url, "--service", "carts", "--stage", "production", "--type", "response_time_p90", "--title", "slow checkout")
	if r.code != 0 {
		t.Fatalf("ferry problem open: exit %d\n%s", r.code, r.stderr)
	}
	reports := gittest.Git(t, bare, "ls-tree", "--name-only", "ferry/status:reports")
	if !strings.HasSuffix(reports, "-alert.json") {
		t.Errorf("no alert report on ferry/status: %q", reports)
	}
	if r := ferry(t, "", "problems", "--repo", url, "-o", "json"); r.code != 0 || strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("ferry problems -o json: exit %d %q", r.code, r.stdout)
	}
	if r := ferry(t, "", "problem", "open", "--repo", url); r.code != 2 {
		t.Errorf("problem open without flags: exit %d", r.code)
	}
}

// TestSockshopExample checks the example project as a user would use it.
func TestSockshopExample(t *testing.T) {
	dir := "../../examples/sockshop"
	if r := ferry(t, "", "validate", "--strict", dir); r.code != 0 || !strings.Contains(r.stdout, "0 error(s), 0 warning(s)") {
		t.Errorf("ferry validate --strict examples/sockshop: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	a := ferry(t, "", "render", "carts", "--stage", "production", "--dir", dir)
	b := ferry(t, "", "render", "carts", "--stage", "production", "--dir", dir)
	if a.code != 0 || a.stdout != b.stdout || !strings.Contains(a.stdout, `image: "docker.io/keptnexamples/carts:0.11.1"`) || !strings.Contains(a.stdout, "namespace: sockshop-production") {
		t.Errorf("ferry render: exit %d\n%s%s", a.code, a.stdout, a.stderr)
	}
	if r := ferry(t, "", "rules", "carts", "--stage", "production", "--dir", dir); r.code != 0 || !strings.Contains(r.stdout, "alert: response_time_p95") {
		t.Errorf("ferry rules: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// ferry validate reads a directory as ferry run reads the commit: hidden
// paths included, a symbolic link as the path it names, and every chart
// rendered under the loop's limits.
func TestValidateReadsWhatRunReads(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		edit       func(dir string)
	}{
		{"symlink", "services/carts/values.yaml", func(dir string) {
			if err := os.Remove(filepath.Join(dir, "services/carts/values.yaml")); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if err := os.Symlink("/etc/hostname", filepath.Join(dir, "services/carts/values.yaml")); err != nil {
				t.Fatal(err)
			}
		}},
		{"hidden service", "services/.carts-old", func(dir string) {
			write(t, filepath.Join(dir, "services/.carts-old/pin.yaml"), "image: carts:0.1.0\n")
		}},
		{"failing chart", "services/carts/chart/Chart.yaml", func(dir string) {
			write(t, filepath.Join(dir, "services/carts/chart/templates/broken.yaml"), `{{ fail "this chart never renders" }}`)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, tc.edit)
			r := ferry(t, dir, "validate")
			if r.code != 1 || !strings.Contains(r.stdout, tc.want) {
				t.Errorf("ferry validate: exit %d, want 1 naming %s\n%s%s", r.code, tc.want, r.stdout, r.stderr)
			}
		})
	}
}

// startFerry starts ferry in the background; stop interrupts it as Ctrl-C
// does and returns its exit code. A process the test did not stop is
// killed when the test ends, its output logged if the test failed.
func startFerry(t *testing.T, args ...string) (out *syncBuffer, stop func() int) {
	t.Helper()
	cmd := exec.Command(ferryBin, args...)
	out = &syncBuffer{}
	var errb syncBuffer
	cmd.Stdout, cmd.Stderr = out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stopped := false
	stop = func() int {
		if !stopped {
			stopped = true
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Errorf("ferry %s did not stop within 20s of an interrupt\nstderr:\n%s", args[0], errb.String())
			}
		}
		return cmd.ProcessState.ExitCode()
	}
	t.Cleanup(func() {
		if !stopped { // not stopped by the test: killed, as a crash would
			stopped = true
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("ferry %s stdout:\n%s\nstderr:\n%s", args[0], out.String(), errb.String())
		}
	})
	return out, stop
}
