package reconciler_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/internal/gittest"
)

// Losing ferry/status (deleted, or rewound to an older commit) redeploys
// nothing and approves nothing: the stage branches say what is deployed,
// and run ids go on past the ones they carry.
func TestLostStatusRedeploysNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		lose func(w *world, old string)
	}{
		{"deleted", func(w *world, _ string) { w.git("update-ref", "-d", "refs/heads/ferry/status") }},
		{"rewound", func(w *world, old string) { w.git("update-ref", "refs/heads/ferry/status", old) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, "promote.txtar")
			w.settle(time.Hour)
			early := w.git("rev-parse", "ferry/status~3")
			w.bump("carts:0.11.2")
			w.settle(time.Hour)
			before := map[string][]string{}
			for _, stage := range []string{"dev", "staging", "production"} {
				before[stage] = w.log("stage/" + stage)
			}
			tc.lose(w, early)
			w.settle(time.Hour)
			for stage, want := range before {
				if diff := cmp.Diff(want, w.log("stage/"+stage)); diff != "" {
					t.Errorf("stage/%s changed after ferry/status was lost (-before +after):\n%s", stage, diff)
				}
			}
			ss, ok := w.summary().Service("production", "carts")
			if !ok || ss.Deployed == nil || ss.Deployed.Pin != "image=carts:0.11.2" {
				t.Errorf("status.json after the rebuild: production must run carts:0.11.2: %+v", ss.Deployed)
			}
			// The next bump is delivered with fresh run ids.
			w.bump("carts:0.11.3")
			w.settle(time.Hour)
			if img := w.image("production"); img != "carts:0.11.3" {
				t.Errorf("production runs %q after the next bump", img)
			}
		})
	}
}

// An old merge of a proposal, carrying a run id that a new run gets after
// ferry/status was lost, is not taken as the approval of a new candidate.
func TestLostStatusApprovesNothing(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	w.settle(time.Hour)
	w.latency["staging/carts:0.11.2"] = 700 // a warning: production needs a person
	w.bump("carts:0.11.2")
	w.settle(time.Hour)
	work := filepath.Join(t.TempDir(), "work")
	gittest.Git(t, "", "clone", "--quiet", w.dir, work)
	gittest.Git(t, work, "checkout", "--quiet", "stage/production")
	gittest.Git(t, work, "merge", "--quiet", "--no-ff", "-m", "Approve carts 0.11.2", "origin/ferry/proposals/production/carts")
	gittest.Git(t, work, "push", "--quiet", "origin", "stage/production")
	w.settle(time.Hour)
	if img := w.image("production"); img != "carts:0.11.2" {
		t.Fatalf("production runs %q after the approval", img)
	}

	w.git("update-ref", "-d", "refs/heads/ferry/status")
	w.latency["staging/carts:0.11.3"] = 700
	w.bump("carts:0.11.3")
	w.settle(time.Hour)
	if img := w.image("production"); img != "carts:0.11.2" {
		t.Errorf("production runs %q: carts:0.11.3 was never approved", img)
	}
	runs := w.git("show", "ferry/status:runs/production/carts.yaml")
	if !strings.Contains(runs, "waiting: approval") || strings.Contains(runs, "released") && strings.Contains(runs, "0.11.3\n    stageCommit") {
		t.Errorf("production's run must wait for an approval:\n%s", runs)
	}
}
