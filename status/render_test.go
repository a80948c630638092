package status_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/status"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var fixedNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// Candidates (main commits) and stage commits of the fixture.
const (
	carts110  = "1a2b3c4d5e6f708192a3b4c5d6e7f80911223344"
	carts111  = "2b3c4d5e6f708192a3b4c5d6e7f8091122334455"
	carts112  = "3c4d5e6f708192a3b4c5d6e7f809112233445566"
	orders099 = "4d5e6f708192a3b4c5d6e7f80911223344556677"
	orders100 = "5e6f708192a3b4c5d6e7f8091122334455667788"
	orders101 = "6f708192a3b4c5d6e7f809112233445566778899"
	mainTip   = "708192a3b4c5d6e7f8091122334455667788990a"

	devCommit1     = "8192a3b4c5d6e7f8091122334455667788990a1b"
	stagingCommit1 = "92a3b4c5d6e7f8091122334455667788990a1b2c"
	stagingCommit2 = "a3b4c5d6e7f8091122334455667788990a1b2c3d"
	prodCommit1    = "b4c5d6e7f8091122334455667788990a1b2c3d4e"
	prodCommit2    = "c5d6e7f8091122334455667788990a1b2c3d4e5f"
	devCommit2     = "d6e7f8091122334455667788990a1b2c3d4e5f60"

	pullRequestURL = "https://forge.example.com/sockshop/sockshop/pulls/12"
	forgeError     = "read pull request 12: GET /repos/sockshop/sockshop/pulls/12: 502 Bad Gateway: upstream timed out"
)

func ago(d time.Duration) time.Time { return fixedNow.Add(-d) }

func score(f float64) *float64 { return &f }

// sampleSlot is a slot with every part set: a run waiting for approval, a
// queue, the last run, what is deployed and released, and the gate.
func sampleSlot() *status.Slot {
	return &status.Slot{
		Stage: "production", Service: "carts",
		Current: &status.Run{
			ID: "r8", Candidate: carts111, Pin: "image=carts:0.11.1", Sequence: "delivery",
			TriggeredBy: "staging.delivery", Gate: "pass",
			Phase: status.PhaseWaiting, Task: 1, TaskName: "approval", TaskStarted: ago(30 * time.Minute),
			Waiting: status.WaitApproval, StageCommit: prodCommit2, Proposed: true, ProposalBase: prodCommit1,
			PullRequest: 12, PullRequestURL: pullRequestURL, ForgeError: forgeError, ForgeErrorAt: ago(2 * time.Minute),
			Results: map[string]string{"deployment": "pass"},
			Since:   ago(5 * time.Hour),
		},
		Queue: []*status.Run{{
			ID: "r13", Candidate: carts112, Pin: "image=carts:0.11.2", Sequence: "delivery",
			TriggeredBy: "staging.delivery", Gate: "warning", Phase: status.PhaseQueued, Since: ago(10 * time.Minute),
		}},
		Last: &status.Run{
			ID: "r4", Candidate: carts110, Pin: "image=carts:0.11.0", Sequence: "delivery", Phase: status.PhaseSucceeded,
			Task: 3, StageCommit: prodCommit1, Approver: "Ann Operator <ann@example.com>",
			DeployedAt: ago(48 * time.Hour), TestStart: ago(48 * time.Hour), TestEnd: ago(47 * time.Hour),
			Results: map[string]string{"approval": "pass", "deployment": "pass", "evaluation": "pass"},
			Score:   score(97.5), Result: "pass", Message: "all objectives met",
			Since: ago(50 * time.Hour), Ended: ago(46 * time.Hour),
		},
		Deployed: &status.Deployment{
			Candidate: carts110, Pin: "image=carts:0.11.0", Run: "r4", StageCommit: prodCommit1,
			Since: ago(48 * time.Hour), Verdict: "pass", Score: score(97.5),
		},
		Released:   &status.Release{Candidate: carts110, StageCommit: prodCommit1, Pin: "image=carts:0.11.0", At: ago(46 * time.Hour), Verdict: "pass", Score: score(97.5)},
		Previous:   &status.Release{Candidate: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c", StageCommit: "0e1d2c3b4a5968778695a4b3c2d1e0f00e1d2c3b", Pin: "image=carts:0.10.4", At: ago(300 * time.Hour)},
		Gate:       &status.Gate{Candidate: carts110, Run: "r4", Result: "pass", Score: 97.5, At: ago(46 * time.Hour)},
		Superseded: []string{"9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c"},
	}
}

// sampleProblem is an open problem whose second action is in flight.
func sampleProblem() *status.Problem {
	return &status.Problem{
		ID: "p-20240501-carts-latency", Stage: "dev", Service: "carts", ProblemType: "response_time_p95",
		Title: "carts responds slowly", Status: status.ProblemOpen, Opened: ago(20 * time.Minute), Candidate: carts112,
		Actions: []*status.ProblemAction{
			{
				Index: 0, Action: "toggle-feature", Name: "disable promotions", Change: "promotions=off",
				Commit: devCommit2, Started: ago(18 * time.Minute), DeployedAt: ago(17 * time.Minute),
				Result: "fail", Score: score(30),
			},
			{
				Index: 1, Action: "scale", Name: "scale out", Change: "replicas 1 → 3",
				Commit: devCommit2, Started: ago(10 * time.Minute), DeployedAt: ago(9 * time.Minute),
				Waiting: status.WaitWindow, Until: fixedNow.Add(5 * time.Minute),
			},
		},
	}
}

const invalidShipyard = `shipyard.yaml:12:11: stages[2].sequences[0].tasks[1].name: unknown task "approvl"`

// fixture is a ferry/status branch with a little of everything, and the
// input of a pass whose main does not parse.
func fixture() (*status.Branch, status.Input) {
	prodCarts := sampleSlot()
	b := &status.Branch{
		State: &status.State{Version: status.FormatVersion, NextRun: 14, LastMain: mainTip, Stages: []string{"dev", "staging", "production"}},
		Slots: map[string]*status.Slot{},
		Problems: []*status.Problem{
			sampleProblem(),
			{
				ID: "p-20240428-carts-errors", Stage: "staging", Service: "carts", ProblemType: "error_rate",
				Status: status.ProblemClosed, Opened: ago(80 * time.Hour), Ended: ago(79 * time.Hour),
			},
		},
		Corrupt: []*status.Corruption{{
			File: "runs/staging/orders.yaml", Stage: "staging", Service: "orders",
			Err: "yaml: line 3: did not find expected ',' or ']'",
		}},
	}
	for _, s := range []*status.Slot{
		{
			Stage: "dev", Service: "carts",
			Deployed: &status.Deployment{Candidate: carts112, Pin: "image=carts:0.11.2", Run: "r10", StageCommit: devCommit1, Since: ago(3 * time.Hour), Verdict: "pass", Score: score(95.5)},
			Released: &status.Release{Candidate: carts112, StageCommit: devCommit1, Pin: "image=carts:0.11.2", At: ago(2 * time.Hour), Verdict: "pass", Score: score(95.5)},
			Gate:     &status.Gate{Candidate: carts112, Run: "r10", Result: "pass", Score: 95.5, At: ago(2 * time.Hour)},
			Last: &status.Run{
				ID: "r10", Candidate: carts112, Pin: "image=carts:0.11.2", Sequence: "delivery", Phase: status.PhaseSucceeded,
				Result: "pass", Score: score(95.5), Since: ago(3 * time.Hour), Ended: ago(2 * time.Hour),
			},
		},
		{
			// 0.11.2 failed its evaluation in staging; the rollback task
			// restored 0.11.1, the last release.
			Stage: "staging", Service: "carts",
			Deployed: &status.Deployment{Candidate: carts111, Pin: "image=carts:0.11.1", StageCommit: stagingCommit2, Since: ago(time.Hour), Verdict: "pass", Score: score(91), RolledBack: true},
			Released: &status.Release{Candidate: carts111, StageCommit: stagingCommit1, Pin: "image=carts:0.11.1", At: ago(20 * time.Hour), Verdict: "pass", Score: score(91)},
			Gate:     &status.Gate{Candidate: carts112, Run: "r11", Result: "fail", Score: 40, At: ago(70 * time.Minute)},
			Last: &status.Run{
				ID: "r11", Candidate: carts112, Pin: "image=carts:0.11.2", Sequence: "delivery", Phase: status.PhaseFailed,
				Result: "fail", Score: score(40), Message: "evaluation failed: response_time_p95 1200ms > 800ms",
				Since: ago(2 * time.Hour), Ended: ago(time.Hour), RolledBack: "rolled back to image=carts:0.11.1",
			},
		},
		prodCarts,
		{
			Stage: "dev", Service: "orders",
			Deployed: &status.Deployment{Candidate: orders101, Pin: "image=orders:1.0.1", Run: "r9", StageCommit: devCommit2, Since: ago(20 * time.Minute)},
			Current: &status.Run{
				ID: "r9", Candidate: orders101, Pin: "image=orders:1.0.1", Sequence: "delivery", Phase: status.PhaseWaiting,
				Task: 2, TaskName: "test", TaskStarted: ago(15 * time.Minute), Waiting: status.WaitTestReport,
				Until: fixedNow.Add(45 * time.Minute), StageCommit: devCommit2, Since: ago(25 * time.Minute),
			},
		},
		{
			Stage: "production", Service: "orders",
			Deployed: &status.Deployment{Candidate: orders099, Pin: "image=orders:0.9.9", StageCommit: prodCommit1, Since: ago(7 * 24 * time.Hour), Verdict: "warning", Score: score(72)},
			Released: &status.Release{Candidate: orders099, StageCommit: prodCommit1, Pin: "image=orders:0.9.9", At: ago(7 * 24 * time.Hour), Verdict: "warning", Score: score(72)},
			Queue: []*status.Run{{
				ID: "r6", Candidate: orders100, Pin: "image=orders:1.0.0", Sequence: "delivery", Phase: status.PhaseHeld,
				Message: "held: release freeze (holds/production.yaml, by Olga Ops <olga@example.com>)", Since: ago(6 * time.Hour),
			}},
		},
	} {
		b.Slots[s.Key()] = s
	}
	in := status.Input{
		Now: fixedNow, Project: "sockshop", Main: mainTip,
		Stages: []string{"dev", "staging", "production"}, Services: []string{"carts", "orders"},
		StageHolds: map[string]*status.Hold{"production": {
			Reason: "release freeze", By: "Olga Ops <olga@example.com>", Until: fixedNow.Add(48 * time.Hour), File: "holds/production.yaml",
		}},
		Stall: &status.Stall{Reason: status.ReasonInvalidProject, Err: errors.New(invalidShipyard)},
	}
	return b, in
}

func fixtureSummary(tb testing.TB) *status.Summary {
	tb.Helper()
	b, in := fixture()
	return status.Summarize(b, in)
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		tb.Fatalf("%v (run the test with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		tb.Errorf("%s differs (-want +got; -update rewrites it):\n%s", file, diff)
	}
}

func TestRenderGolden(t *testing.T) {
	s := fixtureSummary(t)
	golden(t, "summary.json", s.JSON())
	golden(t, "STATUS.md", s.Markdown())
}

func service(tb testing.TB, s *status.Summary, stage, svc string) *status.ServiceSummary {
	tb.Helper()
	ss, ok := s.Service(stage, svc)
	if !ok {
		tb.Fatalf("no %s in %s; stages %v", svc, stage, s.StageNames())
	}
	return ss
}

func TestSummaryKeepsShipyardOrder(t *testing.T) {
	shipyard := []string{"dev", "staging", "production"}
	tests := []struct {
		name   string
		stages []string // Input.Stages
		state  []string // State.Stages
		want   []string
	}{
		{name: "from the shipyard", stages: shipyard, want: shipyard},
		{name: "as last recorded while main cannot be read", state: shipyard, want: shipyard},
		{name: "the shipyard wins over the record", stages: []string{"dev", "production"}, state: shipyard, want: []string{"dev", "production", "staging"}},
		{name: "no order known: by name", want: []string{"dev", "production", "staging"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, in := fixture()
			in.Stages, b.State.Stages = tt.stages, tt.state
			s := status.Summarize(b, in)
			if diff := cmp.Diff(tt.want, s.StageNames()); diff != "" {
				t.Errorf("status.json stages (-want +got):\n%s", diff)
			}
			md := string(s.Markdown())
			last := -1
			for _, st := range tt.want {
				i := strings.Index(md, "\n## "+st+"\n")
				if i < last {
					t.Errorf("STATUS.md shows %s out of order %v", st, tt.want)
				}
				last = i
			}
		})
	}
}

func TestSummaryFacts(t *testing.T) {
	s := fixtureSummary(t)

	t.Run("a rollback shows the restored release as deployed", func(t *testing.T) {
		ss := service(t, s, "staging", "carts")
		want := &status.DeployedSummary{
			Pin: "image=carts:0.11.1", Candidate: carts111, StageCommit: stagingCommit2, Verdict: "pass", Score: score(91),
			Since: ago(time.Hour), RolledBack: true, Released: true,
		}
		if diff := cmp.Diff(want, ss.Deployed); diff != "" {
			t.Errorf("deployed (-want +got):\n%s", diff)
		}
		if ss.Last == nil || ss.Last.Result != "fail" || ss.Last.RolledBack != "rolled back to image=carts:0.11.1" {
			t.Errorf("last run = %+v, want the failed run saying what it rolled back to", ss.Last)
		}
		if ss.LastGate == nil || ss.LastGate.Verdict != "fail" || ss.LastGate.Candidate != carts112 {
			t.Errorf("last gate = %+v, want the failed verdict on 0.11.2", ss.LastGate)
		}
	})

	t.Run("what a person must do", func(t *testing.T) {
		tests := []struct {
			stage, svc string
			want       status.InFlight
		}{
			{
				stage: "production", svc: "carts",
				want: status.InFlight{
					Run: "r8", Candidate: carts111, Pin: "image=carts:0.11.1", Sequence: "delivery", Task: "approval",
					Phase: status.PhaseWaiting, WaitingFor: "approval",
					Action:      "merge ferry/proposals/production/carts into stage/production (" + pullRequestURL + ")",
					PullRequest: pullRequestURL, ForgeError: forgeError, ForgeErrorAt: ago(2 * time.Minute), Since: ago(5 * time.Hour),
				},
			},
			{
				stage: "dev", svc: "orders",
				want: status.InFlight{
					Run: "r9", Candidate: orders101, Pin: "image=orders:1.0.1", Sequence: "delivery", Task: "test",
					Phase: status.PhaseWaiting, WaitingFor: "a test report", Until: fixedNow.Add(45 * time.Minute),
					Action: "POST a test report for run r9 to ferry's /api/v1/reports",
					Since:  ago(25 * time.Minute),
				},
			},
			{
				stage: "production", svc: "orders",
				want: status.InFlight{
					Run: "r6", Candidate: orders100, Pin: "image=orders:1.0.0", Sequence: "delivery",
					Phase: status.PhaseHeld, WaitingFor: "a hold to be lifted",
					Action:  "delete holds/production.yaml on main to lift the hold, or wait until 2024-05-03T12:00:00Z",
					Message: "held: release freeze (holds/production.yaml, by Olga Ops <olga@example.com>)",
					Since:   ago(6 * time.Hour),
				},
			},
		}
		for _, tt := range tests {
			ss := service(t, s, tt.stage, tt.svc)
			if diff := cmp.Diff(&tt.want, ss.InFlight); diff != "" {
				t.Errorf("%s/%s in flight (-want +got):\n%s", tt.stage, tt.svc, diff)
			}
		}
		if ss := service(t, s, "production", "carts"); ss.Queued != 1 {
			t.Errorf("production/carts queued = %d, want 1 behind the run in flight", ss.Queued)
		}
		if ss := service(t, s, "production", "orders"); ss.Queued != 0 {
			t.Errorf("production/orders queued = %d, want 0: the held run is the one shown in flight", ss.Queued)
		}
	})

	t.Run("conditions", func(t *testing.T) {
		tests := []struct {
			name string
			got  []status.Condition
			want []status.Condition
		}{
			{
				name: "project stalled on its shipyard",
				got:  s.Conditions,
				want: []status.Condition{
					{Type: "Ready", Status: "False", Reason: status.ReasonInvalidProject, Message: invalidShipyard},
					{Type: "Stalled", Status: "True", Reason: status.ReasonInvalidProject, Message: invalidShipyard},
				},
			},
			{
				name: "corrupt run file",
				got:  service(t, s, "staging", "orders").Conditions,
				want: []status.Condition{
					{Type: "Ready", Status: "False", Reason: status.ReasonCorruptStatus, Message: "read runs/staging/orders.yaml: yaml: line 3: did not find expected ',' or ']'"},
					{Type: "Stalled", Status: "True", Reason: status.ReasonCorruptStatus, Message: "read runs/staging/orders.yaml: yaml: line 3: did not find expected ',' or ']': fix or delete the file with a commit on ferry/status"},
				},
			},
			{
				name: "remediating",
				got:  service(t, s, "dev", "carts").Conditions,
				want: []status.Condition{{Type: "Ready", Status: "False", Reason: status.ReasonRemediating, Message: "problem p-20240501-carts-latency: action 2 scale (replicas 1 → 3), waiting for window"}},
			},
			{
				name: "held",
				got:  service(t, s, "production", "orders").Conditions,
				want: []status.Condition{{Type: "Ready", Status: "Unknown", Reason: status.ReasonHeld, Message: "held: release freeze (holds/production.yaml, by Olga Ops <olga@example.com>)"}},
			},
			{
				name: "rolled back after a failed run",
				got:  service(t, s, "staging", "carts").Conditions,
				want: []status.Condition{{Type: "Ready", Status: "False", Reason: status.ReasonRunFailed, Message: "run r11 failed: evaluation failed: response_time_p95 1200ms > 800ms"}},
			},
		}
		for _, tt := range tests {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
	})

	t.Run("only open problems are listed", func(t *testing.T) {
		if got := service(t, s, "staging", "carts").Problems; len(got) != 0 {
			t.Errorf("staging/carts problems = %+v, want none: its problem is closed", got)
		}
		got := service(t, s, "dev", "carts").Problems
		if len(got) != 1 || got[0].ID != "p-20240501-carts-latency" || got[0].Actions != 2 {
			t.Errorf("dev/carts problems = %+v", got)
		}
	})

	t.Run("the corrupt file is named in both renderings", func(t *testing.T) {
		md := string(s.Markdown())
		if !strings.Contains(md, "**Stalled (CorruptStatus):** `runs/staging/orders.yaml` does not parse") {
			t.Errorf("STATUS.md does not name the corrupt file:\n%s", md)
		}
		if !strings.Contains(md, "**Stalled (InvalidProject):**") || !strings.Contains(md, invalidShipyard) {
			t.Errorf("STATUS.md does not show the stall:\n%s", md)
		}
		if diff := cmp.Diff([]*status.Corruption{{File: "runs/staging/orders.yaml", Stage: "staging", Service: "orders", Err: "yaml: line 3: did not find expected ',' or ']'"}}, s.Corrupt); diff != "" {
			t.Errorf("status.json corrupt (-want +got):\n%s", diff)
		}
	})
}

func TestParseSummary(t *testing.T) {
	s := fixtureSummary(t)
	got, err := status.ParseSummary(s.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("ParseSummary(JSON()) (-want +got):\n%s", diff)
	}

	tests := []struct {
		name, data, wantErr string
	}{
		{name: "version 1", data: `{"updated":"2024-05-01T12:00:00Z","conditions":[],"stages":[]}`, wantErr: "read status.json: format version 0 is older than 2: the next pass of ferry rewrites it"},
		{name: "not JSON", data: "# ferry status\n", wantErr: "read status.json: invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := status.ParseSummary([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseSummary = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// A stall built without an error still renders.
func TestStallWithoutError(t *testing.T) {
	b, in := fixture()
	in.Stall = &status.Stall{Reason: status.ReasonInvalidProject}
	s := status.Summarize(b, in)
	if c := s.Conditions[0]; c.Status != "False" || c.Reason != status.ReasonInvalidProject || c.Message == "" {
		t.Errorf("Ready = %+v, want False for InvalidProject with a message", c)
	}
}

// TestForgeCalled checks that a forge failure is recorded with the time it
// was first seen, kept as it is while it repeats, and cleared by a success.
func TestForgeCalled(t *testing.T) {
	errDown := errors.New("open pull request: POST /repos/o/r/pulls: 502 Bad Gateway: ")
	errAuth := errors.New("open pull request: POST /repos/o/r/pulls: 401 Unauthorized: Bad credentials")
	steps := []struct {
		err      error
		at       time.Time
		want     string
		wantTime time.Time
	}{
		{errDown, ago(3 * time.Minute), errDown.Error(), ago(3 * time.Minute)},
		{errDown, ago(2 * time.Minute), errDown.Error(), ago(3 * time.Minute)},
		{errAuth, ago(1 * time.Minute), errAuth.Error(), ago(1 * time.Minute)},
		{nil, fixedNow, "", time.Time{}},
	}
	var r status.Run
	for i, s := range steps {
		r.ForgeCalled(s.err, s.at)
		if r.ForgeError != s.want || !r.ForgeErrorAt.Equal(s.wantTime) {
			t.Errorf("step %d: ForgeError %q at %s, want %q at %s", i, r.ForgeError, r.ForgeErrorAt, s.want, s.wantTime)
		}
	}
}
