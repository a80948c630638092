package reconciler_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
)

// alert posts an Alertmanager webhook payload (version 4) to ferry.
func (w *world) alert(status string) {
	w.t.Helper()
	h := ingress.Handler(reconciler.NewLoop(w.rec, time.Hour), ingress.ServerOptions{AlertToken: "am"})
	body := `{"version":"4","status":"` + status + `","receiver":"ferry","groupLabels":{"alertname":"response_time"},
	 "alerts":[{"status":"` + status + `","labels":{"alertname":"response_time","project":"sockshop","stage":"production","service":"carts","severity":"warning"},
	 "annotations":{"summary":"response_time of carts in production violates its SLO"},"startsAt":"2026-11-21T12:10:00Z","fingerprint":"c3a1b2"}]}`
	req := httptest.NewRequest(http.MethodPost, "/hooks/alertmanager", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer am")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted {
		w.t.Fatalf("alertmanager webhook: %d %s", rec.Code, rec.Body)
	}
}

func TestScalingRemediatesAProblem(t *testing.T) {
	w := newWorld(t, "remediate.txtar")
	w.settle(time.Hour)
	w.byReplicas = map[int]float64{1: 900, 2: 120}
	w.alert("firing")
	w.alert("firing") // a repeat changes nothing
	w.settle(time.Hour)
	log := w.git("log", "--format=%s|%(trailers:key=Ferry-Problem,valueonly)", "stage/production")
	if !strings.Contains(log, "remediate carts in production: replicaCount 1 → 2|production-carts-response-time-") {
		t.Fatalf("no scaling commit on stage/production:\n%s", log)
	}
	if strings.Count(log, "remediate carts") != 1 {
		t.Errorf("scaling helped, yet more actions ran:\n%s", log)
	}
	if n := w.replicas("production"); n != 2 {
		t.Errorf("production runs %d replicas", n)
	}
	problems := w.git("ls-tree", "--name-only", "ferry/status:problems")
	if strings.Count(problems, ".yaml") != 1 {
		t.Fatalf("want one problem, got:\n%s", problems)
	}
	pr := w.git("show", "ferry/status:problems/"+strings.TrimSpace(problems))
	for _, want := range []string{"status: closed", "change: replicaCount 1 → 2", "result: pass", "the SLO passed after scaling"} {
		if !strings.Contains(pr, want) {
			t.Errorf("the problem lacks %q:\n%s", want, pr)
		}
	}
}

func TestUselessActionsEscalate(t *testing.T) {
	w := newWorld(t, "remediate.txtar")
	w.settle(time.Hour)
	w.byReplicas = map[int]float64{1: 900, 2: 900}
	w.alert("firing")
	w.settle(time.Hour)
	log := w.git("log", "--format=%s", "stage/production")
	if !strings.Contains(log, "replicaCount 1 → 2") || !strings.Contains(log, "EnableItemCache=on") {
		t.Errorf("the action list was not walked:\n%s", log)
	}
	problems := strings.TrimSpace(w.git("ls-tree", "--name-only", "ferry/status:problems"))
	pr := w.git("show", "ferry/status:problems/"+problems)
	if !strings.Contains(pr, "status: escalated") || strings.Count(pr, "result: fail") != 2 {
		t.Errorf("the problem did not escalate after two failed actions:\n%s", pr)
	}
	events := strings.Join(w.notes.events(), ",")
	if !strings.Contains(events, "problem-escalated production") {
		t.Errorf("no escalation notification: %v", events)
	}
}

func TestRollbackActionRestoresThePreviousRelease(t *testing.T) {
	w := newWorld(t, "remediate.txtar")
	gittest.CommitFiles(t, w.dir, "main", "roll back first", gittest.Files{
		"services/carts/stages/production/remediation.yaml": gittest.Text("apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nmetadata: {name: carts}\nspec:\n  remediations:\n    - problemType: response_time\n      actionsOnOpen: [{action: rollback, name: back}]\n"),
	})
	w.settle(time.Hour)
	w.bump("carts:0.11.2")
	w.settle(time.Hour)
	if img := w.image("production"); img != "carts:0.11.2" {
		t.Fatalf("production runs %q before the problem", img)
	}
	w.latency["production/carts:0.11.2"] = 900 // slow only in production
	w.alert("firing")
	w.settle(time.Hour)
	if img := w.image("production"); img != "carts:0.11.1" {
		t.Errorf("production runs %q after the rollback action", img)
	}
	pr := w.git("show", "ferry/status:problems/"+strings.TrimSpace(w.git("ls-tree", "--name-only", "ferry/status:problems")))
	if !strings.Contains(pr, "status: closed") || !strings.Contains(pr, "action: rollback") {
		t.Errorf("problem:\n%s", pr)
	}
}

func TestScalingStaysWithinBounds(t *testing.T) {
	w := newWorld(t, "remediate.txtar")
	gittest.CommitFiles(t, w.dir, "main", "bounds", gittest.Files{"ferry.yaml": gittest.Text("settle: 10s\nremediation: {maxReplicas: 1}\n")})
	w.settle(time.Hour)
	w.byReplicas = map[int]float64{1: 900}
	w.alert("firing")
	w.settle(time.Hour)
	pr := w.git("show", "ferry/status:problems/"+strings.TrimSpace(w.git("ls-tree", "--name-only", "ferry/status:problems")))
	if !strings.Contains(pr, "replicaCount stays 1: the scaling bounds of ferry.yaml allow no change") {
		t.Errorf("scaling beyond the bound was not refused:\n%s", pr)
	}
	if n := w.replicas("production"); n != 1 {
		t.Errorf("production runs %d replicas, above the bound", n)
	}
}
