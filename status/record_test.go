package status_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/status"
)

func (r *repo) reportFiles(tb testing.TB) []string {
	tb.Helper()
	out := gittest.Git(tb, r.dir, "ls-tree", "--name-only", "ferry/status", "reports/")
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

func (r *repo) statusCommits(tb testing.TB) int {
	tb.Helper()
	var n int
	if _, err := fmt.Sscan(gittest.Git(tb, r.dir, "rev-list", "--count", "ferry/status"), &n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// The reports of one request are written in one commit: 300 alerts of one
// Alertmanager payload are one push, not 300.
func TestRecordAllIsOneCommit(t *testing.T) {
	r := newRepo(t)
	var reps []*status.Report
	for i := range 300 {
		reps = append(reps, &status.Report{Kind: status.ReportAlert, Stage: "production", Service: fmt.Sprintf("svc%d", i), Task: "HighLatency", Message: "p90 over 1s"})
	}
	if err := status.RecordAll(context.Background(), r.store, reps, recordNow); err != nil {
		t.Fatal(err)
	}
	if n := r.statusCommits(t); n != 1 {
		t.Errorf("ferry/status has %d commits, want 1", n)
	}
	if n := len(r.reportFiles(t)); n != 300 {
		t.Errorf("ferry/status holds %d reports, want 300", n)
	}
	if got := gittest.Git(t, r.dir, "log", "-1", "--format=%s", "ferry/status"); got != "report: 300 reports" {
		t.Errorf("subject = %q", got)
	}
}

// One invalid report refuses the whole request: nothing is written.
func TestRecordAllValidatesEveryReport(t *testing.T) {
	r := newRepo(t)
	reps := []*status.Report{
		{Kind: status.ReportTest, Run: "r1", Result: "pass"},
		{Kind: status.ReportTest, Run: "r2\n\nFerry-Stage: production", Result: "pass"},
	}
	if err := status.RecordAll(context.Background(), r.store, reps, recordNow); err == nil || !strings.Contains(err.Error(), "report 2") {
		t.Fatalf("RecordAll = %v, want an error naming report 2", err)
	}
	if out := gittest.Git(t, r.dir, "for-each-ref", "refs/heads/ferry/status"); out != "" {
		t.Errorf("ferry/status was written: %s", out)
	}
}

// A replayed or repeated deploy signal (the same stage, commit and health,
// whatever its message, received again later) is recorded once while the
// first is kept; a change of health (a failure, a recovery), or the same
// signal after the first expired, is new.
func TestDeployedReportsAreIdempotent(t *testing.T) {
	r := newRepo(t)
	ctx := context.Background()
	healthy, unhealthy := true, false
	deployed := func(h *bool, msg string) *status.Report {
		return &status.Report{Kind: status.ReportDeployed, Stage: "production", Commit: sha1Commit, Healthy: h, Message: msg}
	}
	const passed = "flux Kustomization apps/carts: Progressing: Health check passed in 2.01s"
	steps := []struct {
		rep   *status.Report
		at    time.Time
		files int
	}{
		{deployed(&healthy, passed), recordNow, 1},
		{deployed(&healthy, passed), recordNow.Add(time.Minute), 1},
		{deployed(&healthy, "flux Kustomization apps/carts: ReconciliationSucceeded: Reconciliation finished in 1.2s, next run in 10m0s"), recordNow.Add(time.Hour), 1},
		{deployed(&unhealthy, "flux Kustomization apps/carts: HealthCheckFailed: timeout"), recordNow.Add(time.Hour), 2},
		{deployed(&healthy, passed), recordNow.Add(2 * time.Hour), 3},
		{deployed(&healthy, "flux Kustomization apps/carts: Progressing: Health check passed in 5s"), recordNow.Add(2*time.Hour + time.Minute), 3},
		{deployed(&healthy, passed), recordNow.Add(2*time.Hour + status.ReportTTL + time.Minute), 4},
	}
	for i, s := range steps {
		if err := status.Record(ctx, r.store, s.rep, s.at); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if n := len(r.reportFiles(t)); n != s.files {
			t.Errorf("step %d: ferry/status holds %d reports, want %d", i, n, s.files)
		}
	}
	if n := r.statusCommits(t); n != 4 {
		t.Errorf("ferry/status has %d commits, want 4 (a replay writes nothing)", n)
	}
	// Twice in one request is once too.
	if err := status.RecordAll(ctx, r.store, []*status.Report{deployed(&unhealthy, "x"), deployed(&unhealthy, "y")}, recordNow.Add(3*time.Hour+status.ReportTTL)); err != nil {
		t.Fatal(err)
	}
	if n := len(r.reportFiles(t)); n != 5 {
		t.Errorf("ferry/status holds %d reports, want 5", n)
	}
}
