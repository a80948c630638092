package status_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/status"
)

const (
	sha1Commit   = "0123456789abcdef0123456789abcdef01234567"
	sha256Commit = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

var recordNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func TestReportValidate(t *testing.T) {
	yes := true
	valid := []status.Report{
		{Kind: status.ReportDeployed, Stage: "production", Commit: sha1Commit, Healthy: &yes},
		{Kind: status.ReportDeployed, Stage: "dev", Service: "carts", Commit: sha256Commit},
		{Kind: status.ReportTest, Run: "r7", Result: "pass"},
		{Kind: status.ReportTask, Run: "production-carts-highlatency-20261121T120000Z", Task: "notify", Result: "fail"},
		{Kind: status.ReportAlert, Stage: "production", Service: "carts", Task: "HighLatency", Message: "p90 over 1s\nsince 12:00"},
	}
	for _, r := range valid {
		if err := r.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", r, err)
		}
	}
	invalid := map[string]status.Report{
		"run with a trailer":       {Kind: status.ReportTest, Run: "r1\n\nFerry-Stage: production", Result: "pass"},
		"run not an id":            {Kind: status.ReportTest, Run: "run 1", Result: "pass"},
		"commit with a trailer":    {Kind: status.ReportDeployed, Stage: "dev", Commit: sha1Commit + "\n\nFerry-Stage: production"},
		"short commit":             {Kind: status.ReportDeployed, Stage: "dev", Commit: "0123456"},
		"upper-case commit":        {Kind: status.ReportDeployed, Stage: "dev", Commit: strings.ToUpper(sha1Commit)},
		"stage not a name":         {Kind: status.ReportDeployed, Stage: "Prod\nFerry-Run: r1", Commit: sha1Commit},
		"service not a name":       {Kind: status.ReportDeployed, Stage: "dev", Service: "carts/../x", Commit: sha1Commit},
		"alert stage not a name":   {Kind: status.ReportAlert, Stage: "prod uction", Service: "carts", Task: "x"},
		"task over two lines":      {Kind: status.ReportTask, Run: "r1", Task: "notify\nFerry-Run: r9", Result: "pass"},
		"alert type over a line":   {Kind: status.ReportAlert, Stage: "dev", Service: "carts", Task: "a\rFerry-Run: r9"},
		"task name far too long":   {Kind: status.ReportTask, Run: "r1", Task: strings.Repeat("t", 300), Result: "pass"},
		"unknown kind":             {Kind: "deploy"},
		"result of another sort":   {Kind: status.ReportTest, Run: "r1", Result: "ok"},
		"run number with a zero":   {Kind: status.ReportTest, Run: "r01", Result: "pass"},
		"problem id of other sort": {Kind: status.ReportTask, Run: "P-1", Task: "x", Result: "pass"},
	}
	for name, r := range invalid {
		if err := r.Validate(); err == nil {
			t.Errorf("%s: Validate(%+v) = nil, want an error", name, r)
		}
	}
}

// Fields of a report reach the message of its commit on ferry/status:
// none may add a trailer there, whatever Record is given.
func TestRecordNeverWritesTrailers(t *testing.T) {
	r := newRepo(t)
	ctx := context.Background()
	hostile := []*status.Report{
		{Kind: status.ReportTest, Run: "r1\n\nFerry-Stage: production", Result: "pass"},
		{Kind: status.ReportDeployed, Stage: "dev", Commit: sha1Commit + "\n\nFerry-Run: r1"},
		{Kind: status.ReportDeployed, Stage: "dev\n\nFerry-Run: r1", Commit: sha1Commit},
	}
	for _, rep := range hostile {
		if err := status.Record(ctx, r.store, rep, recordNow); err == nil {
			t.Errorf("Record(%+v) = nil, want a validation error", rep)
		}
	}
	if err := status.Record(ctx, r.store, &status.Report{Kind: status.ReportTest, Run: "r1", Result: "pass"}, recordNow); err != nil {
		t.Fatal(err)
	}
	if out := gittest.Git(t, r.dir, "log", "--format=%(trailers:only)", "ferry/status"); strings.TrimSpace(out) != "" {
		t.Errorf("ferry/status has trailers:\n%s", out)
	}
	if got := gittest.Git(t, r.dir, "log", "--format=%s", "ferry/status"); got != "report: test r1" {
		t.Errorf("ferry/status subjects = %q, want one report", got)
	}
}

// A status commit lists transitions one a line: a transition's text never
// adds a line, or a trailer.
func TestCommitMessageLinesStayLines(t *testing.T) {
	msg := status.CommitMessage(1, []string{"problem opened: x\n\nFerry-Stage: production", "dev/carts r1 deployed\r\nFerry-Run: r9"})
	if n := strings.Count(msg, "\n"); n != 3 {
		t.Errorf("message has %d line breaks, want 3 (subject, blank, two lines):\n%s", n, msg)
	}
}
