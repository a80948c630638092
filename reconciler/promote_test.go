package reconciler_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/status"
)

func TestBumpIsPromotedToProduction(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	w.settle(time.Hour)
	for _, stage := range []string{"dev", "staging", "production"} {
		if img := w.image(stage); img != "carts:0.11.1" {
			t.Fatalf("%s runs %q after the first delivery", stage, img)
		}
	}
	bump := w.bump("carts:0.11.2")
	w.settle(time.Hour)
	for _, stage := range []string{"dev", "staging", "production"} {
		if img := w.image(stage); img != "carts:0.11.2" {
			t.Errorf("%s runs %q, want carts:0.11.2", stage, img)
		}
		if diff := cmp.Diff([]string{"deploy carts image=carts:0.11.1 to " + stage, "deploy carts image=carts:0.11.2 to " + stage}, w.log("stage/"+stage)); diff != "" {
			t.Errorf("stage/%s history (-want +got):\n%s", stage, diff)
		}
	}
	// The staging commit carries the trailers and its evaluation record.
	tr := w.git("log", "-1", "--format=%(trailers:key=Ferry-Candidate,valueonly)%(trailers:key=Ferry-Task,valueonly)", "stage/staging")
	if tr != bump+"\ndeployment" {
		t.Errorf("trailers of stage/staging = %q", tr)
	}
	note := w.git("notes", "--ref=ferry", "show", "stage/staging")
	if !strings.Contains(note, `"result": "pass"`) || !strings.Contains(note, `"response_time": 100`) {
		t.Errorf("evaluation note on stage/staging:\n%s", note)
	}
	// A CI author reads the story of their bump on main.
	progress := w.git("log", "-1", "--notes=ferry", "--format=%N", "main")
	for _, want := range []string{"dev: deployed carts", "staging: delivery pass for carts (score 100)", "production: released carts"} {
		if !strings.Contains(progress, want) {
			t.Errorf("progress note lacks %q:\n%s", want, progress)
		}
	}
	status := w.git("show", "ferry/status:STATUS.md")
	if !strings.Contains(status, "| **carts** |") || !strings.Contains(status, "`image=carts:0.11.2`") {
		t.Errorf("STATUS.md:\n%s", status)
	}
	w.git("fsck", "--full")
}

func TestSlowVersionIsBlockedInStagingAndRolledBack(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	w.settle(time.Hour)
	// Slow under staging's load by design: fails the gate (<=500 pass, <=800 warning).
	w.latency["staging/carts:0.11.3"] = 900
	w.bump("carts:0.11.3")
	w.settle(time.Hour)
	if img := w.image("staging"); img != "carts:0.11.1" {
		t.Errorf("staging runs %q after the rollback, want carts:0.11.1", img)
	}
	if img := w.image("production"); img != "carts:0.11.1" {
		t.Errorf("production runs %q, want it untouched at carts:0.11.1", img)
	}
	want := []string{"deploy carts image=carts:0.11.1 to staging", "deploy carts image=carts:0.11.3 to staging", "roll back carts in staging to image=carts:0.11.1"}
	if diff := cmp.Diff(want, w.log("stage/staging")); diff != "" {
		t.Errorf("stage/staging history (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"deploy carts image=carts:0.11.1 to production"}, w.log("stage/production")); diff != "" {
		t.Errorf("stage/production history (-want +got):\n%s", diff)
	}
	progress := w.git("log", "-1", "--notes=ferry", "--format=%N", "main")
	if !strings.Contains(progress, "staging: delivery fail for carts (score 0): evaluation failed") {
		t.Errorf("progress note:\n%s", progress)
	}
	data := w.git("show", "ferry/status:status.json")
	if !strings.Contains(data, `"verdict": "fail"`) {
		t.Errorf("status.json:\n%s", data)
	}
	sum, err := status.ParseSummary([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	staging, ok := sum.Service("staging", "carts")
	if !ok || staging.Deployed == nil || staging.Deployed.Pin != "image=carts:0.11.1" || !staging.Deployed.RolledBack {
		t.Errorf("status.json: staging must run the restored release carts:0.11.1: %+v", staging.Deployed)
	}
	if staging.Last == nil || staging.Last.RolledBack != "rolled back to image=carts:0.11.1" {
		t.Errorf("status.json: the last run in staging must say it rolled back: %+v", staging.Last)
	}
	if staging.LastGate == nil || staging.LastGate.Verdict != "fail" {
		t.Errorf("status.json: the failed gate is missing: %+v", staging.LastGate)
	}
	md := w.git("show", "ferry/status:STATUS.md")
	if !strings.Contains(md, "`image=carts:0.11.1` (restored by a rollback)") {
		t.Errorf("STATUS.md does not show the restored release in staging:\n%s", md)
	}
	if diff := cmp.Diff([]string{"gate-failed staging", "rolled-back staging"}, w.notes.events()); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}
