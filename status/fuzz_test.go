package status_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ferrycd/ferry/status"
)

// The files on ferry/status are edited by people as well as by ferry, so
// every parser of them must survive any input, and what ferry writes must
// read back as the same value: otherwise an unchanged pass would rewrite
// the file (Branch.Edits compares the marshalled bytes).

var roundTrip = cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateNaNs()}

func FuzzSlot(f *testing.F) {
	f.Add(status.Marshal(sampleSlot()))
	f.Add([]byte("stage: dev\nservice: carts\n"))
	f.Add([]byte("stage: dev\nservice: carts\nqueue:\n- id: r3\n  candidate: abc\n  sequence: delivery\n  phase: held\n  task: 0\n  since: 2024-05-01T10:00:00+02:00\n"))
	f.Add([]byte("current: [this is not a slot\n"))
	f.Add([]byte("stage: dev\nservice: carts\nqueue: [~]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := status.ParseSlot(data)
		if err != nil {
			return
		}
		out := status.Marshal(s)
		again, err := status.ParseSlot(out)
		if err != nil {
			t.Fatalf("ParseSlot(Marshal(slot)): %v\n%s", err, out)
		}
		if diff := cmp.Diff(s, again, roundTrip); diff != "" {
			t.Fatalf("slot changed through Marshal (-read +reread):\n%s", diff)
		}
		if again := status.Marshal(again); string(again) != string(out) {
			t.Fatalf("Marshal is not stable:\n%s\nthen\n%s", out, again)
		}
		// A slot that reads is summarized and rendered like any other.
		b := &status.Branch{State: &status.State{NextRun: 1}, Slots: map[string]*status.Slot{s.Key(): s}}
		sum := status.Summarize(b, status.Input{Now: time.Unix(0, 0)})
		sum.Markdown()
		sum.JSON()
	})
}

func FuzzProblem(f *testing.F) {
	f.Add(status.Marshal(sampleProblem()))
	f.Add([]byte("id: p1\nstage: production\nservice: carts\nproblemType: HighLatency\nstatus: open\nopened: 2024-05-01T10:00:00Z\n"))
	f.Add([]byte("id: p1\nactions: [~]\n"))
	f.Add([]byte("id: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := status.ParseProblem(data)
		if err != nil {
			return
		}
		out := status.Marshal(p)
		again, err := status.ParseProblem(out)
		if err != nil {
			t.Fatalf("ParseProblem(Marshal(problem)): %v\n%s", err, out)
		}
		if diff := cmp.Diff(p, again, roundTrip); diff != "" {
			t.Fatalf("problem changed through Marshal (-read +reread):\n%s", diff)
		}
		if again := status.Marshal(again); string(again) != string(out) {
			t.Fatalf("Marshal is not stable:\n%s\nthen\n%s", out, again)
		}
		p.Status = status.ProblemOpen
		b := &status.Branch{State: &status.State{NextRun: 1}, Slots: map[string]*status.Slot{}, Problems: []*status.Problem{p}}
		status.Summarize(b, status.Input{Now: time.Unix(0, 0), Stages: []string{p.Stage}, Services: []string{p.Service}}).Markdown()
	})
}

func FuzzState(f *testing.F) {
	f.Add(status.Marshal(&status.State{
		Version: status.FormatVersion, LastMain: "0123456789abcdef0123456789abcdef01234567", NextRun: 12,
		Stages: []string{"dev", "staging", "production"},
		Deferred: map[string][]*status.Run{
			"staging/carts": {{ID: "r11", Candidate: "0123456789abcdef0123456789abcdef01234567", Sequence: "delivery", Phase: status.PhaseQueued, Since: fixedNow}},
		},
	}))
	f.Add([]byte("nextRun: 4\nlastMain: abc\n"))
	f.Add([]byte("formatVersion: 3\nnextRun: 1\n"))
	f.Add([]byte("formatVersion: 2\nerror: 'shipyard.yaml:3:1: unknown field'\nreason: InvalidProject\nnextRun: 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := status.ParseState(data)
		if err != nil {
			return
		}
		if st.NextRun < 1 || st.Version > status.FormatVersion {
			t.Fatalf("ParseState accepted nextRun %d, formatVersion %d", st.NextRun, st.Version)
		}
		out := status.Marshal(st)
		again, err := status.ParseState(out)
		if err != nil {
			t.Fatalf("ParseState(Marshal(state)): %v\n%s", err, out)
		}
		if diff := cmp.Diff(st, again, roundTrip); diff != "" {
			t.Fatalf("state changed through Marshal (-read +reread):\n%s", diff)
		}
	})
}

func FuzzReport(f *testing.F) {
	healthy := true
	for _, r := range []*status.Report{
		{Kind: status.ReportDeployed, Stage: "production", Commit: "0123456789abcdef0123456789abcdef01234567", Healthy: &healthy, Received: fixedNow},
		{Kind: status.ReportTest, Run: "r7", Result: "pass", Start: fixedNow.Add(-time.Hour), End: fixedNow, Received: fixedNow},
		{Kind: status.ReportAlert, Stage: "production", Service: "carts", Task: "HighLatency", Message: "p90 over 800ms", Received: fixedNow},
	} {
		data, err := json.Marshal(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"kind":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := status.ParseReport(data)
		if err != nil {
			return
		}
		_ = r.Validate()
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("marshal a report that parsed: %v", err)
		}
		again, err := status.ParseReport(out)
		if err != nil {
			t.Fatalf("ParseReport(json.Marshal(report)): %v\n%s", err, out)
		}
		if diff := cmp.Diff(r, again, roundTrip); diff != "" {
			t.Fatalf("report changed through JSON (-read +reread):\n%s", diff)
		}
	})
}

func FuzzSummary(f *testing.F) {
	f.Add(fixtureSummary(f).JSON())
	f.Add([]byte(`{"updated":"2024-05-01T10:00:00Z","conditions":[],"stages":[]}`))
	f.Add([]byte(`{"formatVersion":2,"stages":[{"name":"dev","services":[{"name":"carts","conditions":[]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := status.ParseSummary(data)
		if err != nil {
			return
		}
		s.Markdown()
		out := s.JSON()
		again, err := status.ParseSummary(out)
		if err != nil {
			t.Fatalf("ParseSummary(JSON()): %v\n%s", err, out)
		}
		if diff := cmp.Diff(s, again, roundTrip); diff != "" {
			t.Fatalf("summary changed through JSON (-read +reread):\n%s", diff)
		}
	})
}
