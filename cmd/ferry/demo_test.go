package main_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoTellsTheStoryInGit runs `ferry demo` as a user would and checks
// that the story it narrates is what Git records: the promotion, the blocked
// and rolled-back release, and the remediation that closed the problem.
func TestDemoTellsTheStoryInGit(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo plays for half a minute")
	}
	dir := t.TempDir()
	res := ferry(t, dir, "demo", "--dir", filepath.Join(dir, "ws"), "--no-color", "--speed", "2")
	if res.code != 0 {
		t.Fatalf("ferry demo exited %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{"carts 0.11.1 runs in production", "the staging gate stopped 0.11.2", "the problem is closed"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("narration lacks %q:\n%s", want, res.stdout)
		}
	}

	repo := filepath.Join(dir, "ws", "sockshop.git")
	git := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("git", append([]string{"--git-dir", repo}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	prod := git("log", "--format=%s%n%(trailers)", "stage/production")
	for _, want := range []string{
		"deploy carts image=docker.io/keptnexamples/carts:0.11.1 to production",
		"remediate carts in production: replicaCount 1 → 2",
		"Ferry-Problem: production-carts-response-time-p95-",
		"Ferry-Verdict: pass",
	} {
		if !strings.Contains(prod, want) {
			t.Errorf("stage/production lacks %q:\n%s", want, prod)
		}
	}
	if strings.Contains(prod, "carts:0.11.2") {
		t.Errorf("0.11.2 reached production:\n%s", prod)
	}
	staging := git("log", "--format=%s", "stage/staging")
	if !strings.Contains(staging, "deploy carts image=docker.io/keptnexamples/carts:0.11.2 to staging") ||
		!strings.Contains(staging, "roll back carts in staging to image=docker.io/keptnexamples/carts:0.11.1") {
		t.Errorf("stage/staging lacks the slow deployment and its rollback:\n%s", staging)
	}
	if notes := git("log", "--notes=ferry", "--format=%N", "main"); !strings.Contains(notes, "staging: delivery fail for carts") {
		t.Errorf("the failed staging verdict is not in the notes on main:\n%s", notes)
	}
	if notes := git("log", "--notes=ferry", "--format=%N", "stage/production"); !strings.Contains(notes, "applied argo cd application carts-production: Synced, Healthy") {
		t.Errorf("the agent's deploy signal is not in the notes on stage/production:\n%s", notes)
	}
	if status := git("show", "ferry/status:STATUS.md"); !strings.Contains(status, "carts") {
		t.Errorf("STATUS.md does not list carts:\n%s", status)
	}
	git("fsck", "--full", "--strict")
}
