package reconciler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/status"
)

func (w *world) report(r status.Report) {
	w.t.Helper()
	if err := status.Record(context.Background(), w.store, &r, w.now); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) runID(stage string) string {
	w.t.Helper()
	out := w.git("show", "ferry/status:runs/"+stage+"/carts.yaml")
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "    id: "); ok {
			return v
		}
	}
	w.t.Fatalf("no run in %s:\n%s", stage, out)
	return ""
}

func TestReportsCompleteTasks(t *testing.T) {
	w := newWorld(t, "reports.txtar")
	w.settle(time.Minute)
	// The deployment waits for its report (settle is 10m).
	if strings.Contains(w.git("show", "ferry/status:runs/dev/carts.yaml"), "waiting: test") {
		t.Fatal("the test started before the deployment was reported")
	}
	w.report(status.Report{Kind: status.ReportDeployed, Stage: "dev", Service: "carts", Commit: w.git("rev-parse", "stage/dev")})
	w.settle(time.Minute)
	runs := w.git("show", "ferry/status:runs/dev/carts.yaml")
	if !strings.Contains(runs, "waiting: test") {
		t.Fatalf("the test does not wait for its report:\n%s", runs)
	}
	run := w.runID("dev")
	w.report(status.Report{Kind: status.ReportTest, Run: run, Result: "pass", Start: w.now.Add(-time.Minute), End: w.now})
	w.report(status.Report{Kind: status.ReportTask, Run: run, Task: "notify", Result: "pass"})
	w.settle(time.Minute)
	if !strings.Contains(w.git("show", "ferry/status:runs/dev/carts.yaml"), "result: pass") {
		t.Fatalf("dev did not finish:\n%s", w.git("show", "ferry/status:runs/dev/carts.yaml"))
	}
	// Staging's deployment is reported unhealthy: the run fails like a gate.
	f := false
	w.report(status.Report{Kind: status.ReportDeployed, Stage: "staging", Service: "carts", Commit: w.git("rev-parse", "stage/staging"), Healthy: &f, Message: "CrashLoopBackOff"})
	w.settle(time.Minute)
	staging := w.git("show", "ferry/status:runs/staging/carts.yaml")
	if !strings.Contains(staging, "result: fail") || !strings.Contains(staging, "CrashLoopBackOff") {
		t.Errorf("unhealthy deployment:\n%s", staging)
	}
	// Test and task reports are consumed; deployed reports stay a day (one
	// covers every run whose commit the applied revision carries).
	reports := w.git("ls-tree", "--name-only", "ferry/status:reports")
	if strings.Contains(reports, "-test.json") || strings.Contains(reports, "-task.json") || !strings.Contains(reports, "-deployed.json") {
		t.Errorf("reports left on ferry/status:\n%s", reports)
	}
}

func TestWaitsTimeOut(t *testing.T) {
	w := newWorld(t, "reports.txtar")
	w.settle(time.Minute)
	w.report(status.Report{Kind: status.ReportDeployed, Stage: "dev", Service: "carts", Commit: w.git("rev-parse", "stage/dev")})
	w.settle(2 * time.Hour) // no test report: the default timeout (1h) fails the run
	runs := w.git("show", "ferry/status:runs/dev/carts.yaml")
	if !strings.Contains(runs, "result: fail") || !strings.Contains(runs, "no test report") {
		t.Errorf("the test wait did not time out:\n%s", runs)
	}
	if img := w.image("staging"); img != "" {
		t.Errorf("a timed-out run was promoted: staging runs %q", img)
	}
}
