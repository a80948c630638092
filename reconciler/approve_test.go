package reconciler_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/status"
)

const productionProposal = "ferry/proposals/production/carts"

// exists reports whether a ref exists in the world's repository.
func (w *world) exists(ref string) bool {
	_, err := gittest.TryGit(w.dir, "rev-parse", "--verify", "--quiet", ref)
	return err == nil
}

// pass runs one pass and, when it pushed nothing, moves the clock to the
// next wake-up.
func (w *world) pass() {
	w.t.Helper()
	w.sample()
	res, err := w.rec.Pass(context.Background())
	if err != nil {
		w.t.Fatalf("pass: %v", err)
	}
	if !res.Pushed && !res.Next.IsZero() {
		w.now = res.Next
	}
}

// mergeProposal merges the proposal for carts into a stage branch, as an
// approver does: a merge commit, with the git CLI.
func (w *world) mergeProposal(stage string) {
	w.t.Helper()
	work := filepath.Join(w.t.TempDir(), "work")
	gittest.Git(w.t, "", "clone", "--quiet", "--branch", "stage/"+stage, w.dir, work)
	gittest.Git(w.t, work, "merge", "--quiet", "--no-ff", "-m", "Approve carts", "origin/ferry/proposals/"+stage+"/carts")
	gittest.Git(w.t, work, "push", "--quiet", "origin", "stage/"+stage)
}

// evaluation returns the only evaluation record of carts in a stage.
func (w *world) evaluation(stage string) *evaluator.Record {
	w.t.Helper()
	files := strings.Fields(w.git("ls-tree", "-r", "--name-only", "ferry/status", evaluator.LedgerDir+"/"+stage+"/carts/"))
	if len(files) != 1 {
		w.t.Fatalf("%d evaluation records in %s, want 1: %v", len(files), stage, files)
	}
	var rec evaluator.Record
	if err := json.Unmarshal([]byte(w.git("show", "ferry/status:"+files[0])), &rec); err != nil {
		w.t.Fatal(err)
	}
	return &rec
}

// A first promotion into a stage nothing was released to creates the stage
// branch in the push that proposes it, so that the proposal is an ordinary
// branch on top of it, and merging it is the approval.
func TestFirstPromotionCreatesTheStageBranch(t *testing.T) {
	w := newWorld(t, "approve.txtar")
	for i := 0; !w.exists(productionProposal); i++ {
		if w.exists("stage/production") {
			t.Fatal("stage/production was pushed before the proposal")
		}
		if i == 100 {
			t.Fatal("no proposal after 100 passes")
		}
		w.pass()
	}
	if !w.exists("stage/production") {
		t.Fatal("the proposal was pushed without stage/production to merge into")
	}
	stage := w.git("rev-parse", "stage/production")
	if parents := w.git("log", "-1", "--format=%P", productionProposal); parents != stage {
		t.Errorf("the proposal's parents are %q, want the stage branch's tip %s", parents, stage)
	}
	if parents := w.git("log", "-1", "--format=%P", stage); parents != "" {
		t.Errorf("the new stage branch is not a root commit: parents %q", parents)
	}
	if files := w.git("ls-tree", "--name-only", stage); files != "kustomization.yaml\nnamespace.yaml" {
		t.Errorf("the new stage branch holds:\n%s", files)
	}
	msg := w.git("log", "-1", "--format=%B", stage)
	for _, want := range []string{"create stage production", "Ferry-Service: carts", "Ferry-Stage: production", "Ferry-Task: approval"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the stage branch's first commit lacks %q:\n%s", want, msg)
		}
	}
	w.settle(time.Hour)
	if img := w.image("production"); img != "" {
		t.Fatalf("production runs %q before the approval", img)
	}
	w.mergeProposal("production")
	w.settle(time.Hour)
	if img := w.image("production"); img != "carts:0.11.1" {
		t.Errorf("production runs %q after the approval", img)
	}
	if w.exists(productionProposal) {
		t.Errorf("the merged proposal branch is still there")
	}
	runs := w.git("show", "ferry/status:runs/production/carts.yaml")
	for _, want := range []string{"approver: Test Author <author@example.com>", "result: pass"} {
		if !strings.Contains(runs, want) {
			t.Errorf("runs/production/carts.yaml lacks %q:\n%s", want, runs)
		}
	}
	if diff := cmp.Diff([]string{"approval-needed production"}, w.notes.events()); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}

// After the merge of a proposal, the run goes on only once the merge is
// deployed: the evaluation judges the new version, from the moment the
// agent applied it (its signal) or the settle time passed.
func TestApprovedMergeIsDeployedBeforeTheRunGoesOn(t *testing.T) {
	for _, tt := range []struct {
		name string
		flux bool
	}{
		{name: "settle time"},
		{name: "flux signal", flux: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, "approve.txtar")
			w.settle(time.Hour)
			w.mergeProposal("production")
			merged := w.now
			w.settle(time.Minute)
			runs := w.git("show", "ferry/status:runs/production/carts.yaml")
			if !strings.Contains(runs, "taskName: approval") || !strings.Contains(runs, "waiting: deployed") {
				t.Fatalf("after the merge, the approval does not wait for the deployment:\n%s", runs)
			}
			applied := merged.Add(5 * time.Minute) // the sequence's settle time
			if tt.flux {
				w.now = merged.Add(2 * time.Minute)
				applied = w.now
				event := filepath.Join(t.TempDir(), "flux.json")
				data, err := os.ReadFile(filepath.Join("testdata", "signals", "flux-succeeded.json"))
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, event, strings.ReplaceAll(string(data), "dev", "production"))
				if code := w.signalFile(signalHandler(w), "/hooks/flux", event, w.git("rev-parse", "stage/production"), hmacAuth); code != http.StatusAccepted {
					t.Fatalf("flux event: %d", code)
				}
			}
			w.settle(time.Hour)
			if img := w.image("production"); img != "carts:0.11.1" {
				t.Fatalf("production runs %q", img)
			}
			if start := w.evaluation("production").Window.Start; !start.Equal(applied) {
				t.Errorf("the evaluation window starts at %s, the merge was applied at %s (merged at %s)", start.Format(time.TimeOnly), applied.Format(time.TimeOnly), merged.Format(time.TimeOnly))
			}
			if svc, ok := w.summary().Service("production", "carts"); !ok || svc.Last == nil || svc.Last.Result != "pass" {
				t.Errorf("production/carts in status.json: %+v", svc)
			}
		})
	}
}

// An approval nobody gives within the stage's approvalTimeout (not the
// general --timeout of other waits) ends the run as expired: the proposal
// is withdrawn, nothing is deployed, and people are told.
func TestApprovalExpires(t *testing.T) {
	w := newWorldWith(t, func(dir string) {
		gittest.CommitTxtar(t, dir, "main", filepath.Join("testdata", "approve.txtar"))
		gittest.CommitFiles(t, dir, "main", "production approvals wait three hours", gittest.Files{
			"ferry.yaml": gittest.Text("settle: 10s\nstages:\n  production:\n    approvalTimeout: 3h\n"),
		})
	})
	w.settle(time.Hour)
	if !w.exists(productionProposal) {
		t.Fatal("no proposal")
	}
	w.now = w.now.Add(2 * time.Hour) // past --timeout (1h), within approvalTimeout
	w.settle(time.Minute)
	if runs := w.git("show", "ferry/status:runs/production/carts.yaml"); !strings.Contains(runs, "waiting: approval") {
		t.Fatalf("the approval did not wait past --timeout:\n%s", runs)
	}
	w.settle(2 * time.Hour)
	runs := w.git("show", "ferry/status:runs/production/carts.yaml")
	for _, want := range []string{"result: expired", "phase: failed", "no approval within 3h0m0s: the proposal was withdrawn"} {
		if !strings.Contains(runs, want) {
			t.Errorf("runs/production/carts.yaml lacks %q:\n%s", want, runs)
		}
	}
	if w.exists(productionProposal) {
		t.Errorf("the expired proposal was not withdrawn")
	}
	if img := w.image("production"); img != "" {
		t.Errorf("production runs %q although its approval expired", img)
	}
	if n := w.git("rev-list", "--count", "stage/production"); n != "1" {
		t.Errorf("stage/production has %s commits, want its first only:\n%s", n, w.git("log", "--oneline", "stage/production"))
	}
	if diff := cmp.Diff([]string{"approval-needed production", "approval-expired production"}, w.notes.events()); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	svc, ok := w.summary().Service("production", "carts")
	if !ok || svc.Last == nil || svc.Last.Result != status.ResultExpired || svc.Conditions[0].Reason != status.ReasonApprovalExpired {
		t.Errorf("status.json for production/carts: %+v", svc)
	}
	if note := w.git("notes", "--ref=ferry", "show", "main"); !strings.Contains(note, "production: delivery expired for carts") {
		t.Errorf("the candidate's note does not say the approval expired:\n%s", note)
	}
}
