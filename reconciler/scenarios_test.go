package reconciler_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
	"github.com/ferrycd/ferry/status"
)

func TestInvalidSLOFailsClosed(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	w.settle(time.Hour)
	bad := gittest.CommitFiles(t, w.dir, "main", "bump with a broken SLO", gittest.Files{
		"services/carts/pin.yaml": gittest.Text("image: carts:0.11.2\n"),
		"services/carts/slo.yaml": gittest.Text("spec_version: '1.0'\nobjectives:\n  - sli: response_time\n    pass: [{criteria: ['<=fast']}]\ntotal_score: {pass: '90%'}\n"),
	})
	w.settle(time.Hour)
	for _, stage := range []string{"dev", "staging", "production"} {
		if img := w.image(stage); img != "carts:0.11.1" {
			t.Errorf("%s runs %q: an invalid commit was delivered", stage, img)
		}
	}
	status := w.git("show", "ferry/status:STATUS.md")
	if !strings.Contains(status, "Stalled") || !strings.Contains(status, "services/carts/slo.yaml:4:24") {
		t.Errorf("STATUS.md does not explain the stall:\n%s", status)
	}
	if _, err := gittest.TryGit(w.dir, "notes", "--ref=ferry", "show", bad); err == nil {
		t.Errorf("the invalid commit got progress notes")
	}
	// The fix is a new candidate and goes through.
	gittest.CommitFiles(t, w.dir, "main", "fix the SLO", gittest.Files{
		"services/carts/slo.yaml": gittest.Text("spec_version: '1.0'\nobjectives:\n  - sli: response_time\n    pass: [{criteria: ['<=500']}]\ntotal_score: {pass: '90%'}\n"),
	})
	w.settle(time.Hour)
	if img := w.image("production"); img != "carts:0.11.2" {
		t.Errorf("production runs %q after the fix", img)
	}
	if status := w.git("show", "ferry/status:STATUS.md"); strings.Contains(status, "Stalled") {
		t.Errorf("still stalled after the fix:\n%s", status)
	}
}

func threeBumps(t *testing.T, concurrency string) *world {
	w := newWorld(t, "promote.txtar")
	if concurrency != "" {
		gittest.CommitFiles(t, w.dir, "main", "dev takes the latest", gittest.Files{"ferry.yaml": gittest.Text("settle: 10s\nstages:\n  dev:\n    concurrency: " + concurrency + "\n")})
	}
	w.settle(time.Hour)
	for _, v := range []string{"0.12.0", "0.12.1", "0.12.2"} {
		w.bump("carts:" + v)
	}
	w.settle(3 * time.Hour)
	return w
}

func TestQueueRunsEveryCandidateInOrder(t *testing.T) {
	w := threeBumps(t, "")
	want := []string{
		"deploy carts image=carts:0.11.1 to dev", "deploy carts image=carts:0.12.0 to dev",
		"deploy carts image=carts:0.12.1 to dev", "deploy carts image=carts:0.12.2 to dev",
	}
	if diff := cmp.Diff(want, w.log("stage/dev")); diff != "" {
		t.Errorf("stage/dev (-want +got):\n%s", diff)
	}
	if img := w.image("production"); img != "carts:0.12.2" {
		t.Errorf("production runs %q", img)
	}
}

func TestLatestSupersedesWaitingCandidates(t *testing.T) {
	w := threeBumps(t, "latest")
	want := []string{"deploy carts image=carts:0.11.1 to dev", "deploy carts image=carts:0.12.2 to dev"}
	if diff := cmp.Diff(want, w.log("stage/dev")); diff != "" {
		t.Errorf("stage/dev (-want +got):\n%s", diff)
	}
	runs := w.git("show", "ferry/status:runs/dev/carts.yaml")
	if strings.Count(runs, "superseded") == 0 || !strings.Contains(runs, "- r") {
		t.Errorf("superseded candidates are not recorded:\n%s", runs)
	}
	first := strings.TrimSpace(w.git("log", "--format=%H", "-n", "1", "--skip", "2", "main"))
	if note := w.git("notes", "--ref=ferry", "show", first); !strings.Contains(note, "superseded by") {
		t.Errorf("the superseded candidate's note:\n%s", note)
	}
	if img := w.image("production"); img != "carts:0.12.2" {
		t.Errorf("production runs %q", img)
	}
}

func TestManualApprovalByMergingTheProposal(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	w.settle(time.Hour)
	// A warning in staging needs a person to approve production.
	w.latency["staging/carts:0.11.2"] = 700
	w.bump("carts:0.11.2")
	w.settle(time.Hour)
	if img := w.image("production"); img != "carts:0.11.1" {
		t.Fatalf("production runs %q before the approval", img)
	}
	if diff := cmp.Diff([]string{"approval-needed production"}, w.notes.events()); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	proposal := w.git("rev-parse", "ferry/proposals/production/carts")
	if subj := w.git("log", "-1", "--format=%s", proposal); subj != "deploy carts image=carts:0.11.2 to production" {
		t.Fatalf("proposal commit %q", subj)
	}
	// The approver merges the proposal into the stage branch.
	work := filepath.Join(t.TempDir(), "work")
	gittest.Git(t, "", "clone", "--quiet", w.dir, work)
	gittest.Git(t, work, "checkout", "--quiet", "stage/production")
	gittest.Git(t, work, "merge", "--quiet", "--no-ff", "-m", "Approve carts 0.11.2", "origin/ferry/proposals/production/carts")
	gittest.Git(t, work, "push", "--quiet", "origin", "stage/production")
	w.settle(time.Hour)
	if img := w.image("production"); img != "carts:0.11.2" {
		t.Errorf("production runs %q after the approval", img)
	}
	if _, err := gittest.TryGit(w.dir, "rev-parse", "--verify", "ferry/proposals/production/carts"); err == nil {
		t.Errorf("the merged proposal branch is still there")
	}
	if runs := w.git("show", "ferry/status:runs/production/carts.yaml"); !strings.Contains(runs, "approver: Test Author <author@example.com>") {
		t.Errorf("the approver is not recorded:\n%s", runs)
	}
	if n := strings.Count(strings.Join(w.log("stage/production"), "\n"), "deploy carts image=carts:0.11.2"); n != 1 {
		t.Errorf("the approved deployment was committed %d times", n)
	}
}

func TestFreezeHoldsPromotionsUntilLifted(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	w.settle(time.Hour)
	gittest.CommitFiles(t, w.dir, "main", "freeze production", gittest.Files{"holds/production.yaml": gittest.Text("reason: end-of-year freeze\n")})
	w.bump("carts:0.11.2")
	w.settle(time.Hour)
	if img := w.image("staging"); img != "carts:0.11.2" {
		t.Errorf("staging runs %q: a production freeze must not stop staging", img)
	}
	if img := w.image("production"); img != "carts:0.11.1" {
		t.Fatalf("production runs %q during the freeze", img)
	}
	status := w.git("show", "ferry/status:STATUS.md")
	if !strings.Contains(status, "held") {
		t.Errorf("STATUS.md does not show the held run:\n%s", status)
	}
	if runs := w.git("show", "ferry/status:runs/production/carts.yaml"); !strings.Contains(runs, "held: end-of-year freeze (holds/production.yaml, by Test Author <author@example.com>)") {
		t.Errorf("the held run does not say why:\n%s", runs)
	}
	gittest.CommitFiles(t, w.dir, "main", "lift the freeze", gittest.Files{"holds/production.yaml": nil})
	w.settle(time.Hour)
	if img := w.image("production"); img != "carts:0.11.2" {
		t.Errorf("production runs %q after the freeze was lifted", img)
	}
}

func TestHoldUntilEndsByItself(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	w.settle(time.Hour)
	until := w.now.Add(2 * time.Hour).Format(time.RFC3339)
	gittest.CommitFiles(t, w.dir, "main", "hold carts in staging for two hours", gittest.Files{
		"services/carts/stages/staging/hold.yaml": gittest.Text("reason: load test of the database\nuntil: " + until + "\n"),
	})
	w.bump("carts:0.11.2")
	w.settle(time.Hour)
	if img := w.image("staging"); img != "carts:0.11.1" {
		t.Fatalf("staging runs %q during the hold", img)
	}
	w.settle(3 * time.Hour) // the hold's end wakes the loop
	if img := w.image("production"); img != "carts:0.11.2" {
		t.Errorf("production runs %q after the hold ended", img)
	}
}

func TestStaleProposalIsRebuiltForward(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	w.settle(time.Hour)
	w.latency["staging/carts:0.11.2"] = 700 // a warning: production needs an approval
	w.bump("carts:0.11.2")
	w.settle(time.Hour)
	first := w.git("rev-parse", "ferry/proposals/production/carts")
	// Someone changes the stage branch while the proposal waits.
	work := filepath.Join(t.TempDir(), "work")
	gittest.Git(t, "", "clone", "--quiet", "--branch", "stage/production", w.dir, work)
	writeFile(t, filepath.Join(work, "NOTICE"), "maintenance window on Friday\n")
	gittest.Git(t, work, "add", "NOTICE")
	gittest.Git(t, work, "commit", "--quiet", "-m", "add a notice")
	gittest.Git(t, work, "push", "--quiet", "origin", "stage/production")
	w.settle(10 * time.Minute)
	rebuilt := w.git("rev-parse", "ferry/proposals/production/carts")
	if rebuilt == first {
		t.Fatal("the stale proposal was not rebuilt")
	}
	if _, err := gittest.TryGit(w.dir, "merge-base", "--is-ancestor", first, rebuilt); err != nil {
		t.Errorf("the proposal branch was rewritten instead of moved forward")
	}
	if _, err := gittest.TryGit(w.dir, "merge-base", "--is-ancestor", "stage/production", rebuilt); err != nil {
		t.Errorf("the rebuilt proposal does not contain the stage branch's new commit")
	}
	// The rebuilt proposal merges cleanly (a fast-forward) and is the approval.
	gittest.Git(t, work, "fetch", "--quiet", "origin")
	gittest.Git(t, work, "merge", "--quiet", "--ff-only", "origin/ferry/proposals/production/carts")
	gittest.Git(t, work, "push", "--quiet", "origin", "stage/production")
	w.settle(10 * time.Minute)
	if img := w.image("production"); img != "carts:0.11.2" {
		t.Errorf("production runs %q after approving the rebuilt proposal", img)
	}
	if notice := w.git("show", "stage/production:NOTICE"); notice != "maintenance window on Friday" {
		t.Errorf("the stage branch lost the other change: %q", notice)
	}
}

func writeFile(tb testing.TB, p, content string) {
	tb.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func TestApprovalBySquashMerge(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	w.settle(time.Hour)
	w.latency["staging/carts:0.11.2"] = 700
	w.bump("carts:0.11.2")
	w.settle(10 * time.Minute)
	// A forge's squash merge: one new commit on the stage branch whose
	// message keeps the proposal's, trailers included.
	work := filepath.Join(t.TempDir(), "work")
	gittest.Git(t, "", "clone", "--quiet", "--branch", "stage/production", w.dir, work)
	msg := gittest.Git(t, work, "log", "-1", "--format=%B", "origin/ferry/proposals/production/carts")
	gittest.Git(t, work, "merge", "--quiet", "--squash", "origin/ferry/proposals/production/carts")
	gittest.Git(t, work, "commit", "--quiet", "-m", "Promote carts (#12)\n\n"+msg)
	gittest.Git(t, work, "push", "--quiet", "origin", "stage/production")
	w.settle(10 * time.Minute)
	if img := w.image("production"); img != "carts:0.11.2" {
		t.Errorf("production runs %q after a squash merge", img)
	}
	if runs := w.git("show", "ferry/status:runs/production/carts.yaml"); !strings.Contains(runs, "approver: Test Committer <committer@example.com>") {
		t.Errorf("the squash merge's committer is not the approver:\n%s", runs)
	}
}

func TestStageBranchPrefixMismatchStalls(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	gittest.CommitFiles(t, w.dir, "main", "other prefix", gittest.Files{"ferry.yaml": gittest.Text("settle: 10s\nstageBranchPrefix: env/\n")})
	w.settle(time.Hour)
	if img := w.image("dev"); img != "" {
		t.Errorf("deployed to stage/dev although ferry.yaml asks for env/")
	}
	if status := w.git("show", "ferry/status:STATUS.md"); !strings.Contains(status, "run ferry with --stage-prefix env/") {
		t.Errorf("STATUS.md:\n%s", status)
	}
	if c := w.summary().Conditions; len(c) < 2 || c[1].Type != "Stalled" || c[1].Reason != status.ReasonStagePrefixMismatch {
		t.Errorf("status.json conditions: %+v", c)
	}
	// A stalled project is not ready, and /readyz says why.
	loop := reconciler.NewLoop(w.rec, time.Hour)
	ctx, cancel := contextWithTimeout(t, 5*time.Second)
	defer cancel()
	go func() { _ = loop.Run(ctx) }()
	h := ingress.Handler(loop, ingress.ServerOptions{})
	for {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if rec.Code == http.StatusServiceUnavailable && strings.Contains(rec.Body.String(), "StagePrefixMismatch") {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("/readyz of a stalled project: %d %s", rec.Code, rec.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDeploymentCarriesAlertRules(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	gittest.CommitFiles(t, w.dir, "main", "remediate carts", gittest.Files{
		"services/carts/remediation.yaml": gittest.Text("apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nmetadata: {name: carts}\nspec:\n  remediations:\n    - problemType: response_time\n      actionsOnOpen: [{action: scaling, value: \"+1\"}]\n"),
	})
	w.settle(time.Hour)
	alerts := w.git("show", "stage/production:services/carts/alerts.yaml")
	for _, want := range []string{"kind: PrometheusRule", "alert: response_time", `max_over_time(carts_latency_ms{stage="production"}[60s])) > 500`, "namespace: sockshop-production"} {
		if !strings.Contains(alerts, want) {
			t.Errorf("alerts.yaml lacks %q:\n%s", want, alerts)
		}
	}
}
