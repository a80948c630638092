package evaluator_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/evaluator"
)

// recorded scores values against sharedSLO and round-trips the record
// through JSON, as a replay reads it from a note or a file.
func recorded(t *testing.T, values map[string]evaluator.Value, history []evaluator.Previous) *evaluator.Record {
	t.Helper()
	rec := evaluator.Score(parseSLO(t, sharedSLO), values, history)
	rec.ID, rec.Stage, rec.Service = "20261121T120000Z-ci-1", "staging", "carts"
	rec.SLO = evaluator.SLOSource{File: "slo.yaml", Commit: "abc", Content: sharedSLO}
	rec.Window = evaluator.Window{Start: t0.Add(-600e9), End: t0}
	rec.Queries = map[string]string{"m": "avg(m)"}
	data, err := rec.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := evaluator.ParseRecord(data)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func TestReplay(t *testing.T) {
	strict := parseSLO(t, strings.Replace(sharedSLO, `warning: "75%"`, `warning: "50%"`, 1))
	stricter := parseSLO(t, strings.NewReplacer(`"<=15.0"`, `"<=9.0"`, `"<=+10%"`, `"<=-10%"`).Replace(sharedSLO))
	tests := []struct {
		name   string
		values map[string]evaluator.Value
		slo    *evaluator.SLO // nil: the record's own
		result string
		score  float64
	}{
		{"own SLO, pass", vals("m", 10.0), nil, "pass", 100},
		{"own SLO, warning objective fails the total", vals("m", 16.0), nil, "fail", 50},
		{"own SLO, missing value", vals("m", "timeout"), nil, "fail", 0},
		{"a lower warning total makes 50 a warning", vals("m", 16.0), strict, "warning", 50},
		{"a tighter pass criterion makes 10 a warning objective", vals("m", 10.0), stricter, "fail", 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := recorded(t, tt.values, onePassingResult)
			got, err := evaluator.Replay(rec, tt.slo)
			if err != nil {
				t.Fatal(err)
			}
			if got.Result != tt.result || got.Score != tt.score {
				t.Errorf("replay = %s %v, want %s %v", got.Result, got.Score, tt.result, tt.score)
			}
			diffs := evaluator.Diff(rec, got)
			if tt.slo == nil && len(diffs) != 0 {
				t.Errorf("a replay on the record's own SLO differs: %v", diffs)
			}
			if got.Result != rec.Result && (len(diffs) == 0 || diffs[0].Part != "result") {
				t.Errorf("another verdict, differences %v", diffs)
			}
			if got.ID != rec.ID || got.Window != rec.Window || got.Queries["m"] != "avg(m)" || got.Compared[0].ID != "r1" {
				t.Errorf("the replay lost what the record retrieved: %+v", got)
			}
			wantSource := rec.SLO
			if tt.slo != nil {
				wantSource = evaluator.SLOSource{}
			}
			if got.SLO != wantSource {
				t.Errorf("SLO source = %+v, want %+v", got.SLO, wantSource)
			}
		})
	}
}

func TestReplayTighterSLOChangesTheVerdict(t *testing.T) {
	rec := recorded(t, vals("m", 16.0), onePassingResult)
	lenient, err := evaluator.Replay(rec, parseSLO(t, strings.Replace(sharedSLO, `warning: "75%"`, `warning: "40%"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := []evaluator.Difference{{Part: "result", A: "fail", B: "warning"}}
	if diff := cmp.Diff(want, evaluator.Diff(rec, lenient)); diff != "" {
		t.Errorf("differences (-want +got):\n%s", diff)
	}
}

func TestReplayOfAnUnparsableSLO(t *testing.T) {
	rec := recorded(t, vals("m", 10.0), nil)
	rec.SLO.Content = "objectives: [{sli: m, pass: [{criteria: [fast]}]}]\n"
	if _, err := evaluator.Replay(rec, nil); err == nil || !strings.Contains(err.Error(), "parse recorded slo: slo.yaml:1:") {
		t.Errorf("err = %v", err)
	}
}

func TestRescoreComparesWithFreshHistory(t *testing.T) {
	slo := parseSLO(t, sharedSLO)
	rec := recorded(t, vals("m", 16.0), nil) // no history: <=+10% skipped, pass
	fresh := []evaluator.Previous{{ID: "r9", Result: "pass", Values: vals("m", 10.0)}}
	got := evaluator.Rescore(rec, evaluator.Request{SLO: slo, SLOSource: evaluator.SLOSource{File: "new.yaml"}, History: fresh})
	if rec.Result != "pass" || got.Result != "fail" || got.Score != 50 {
		t.Errorf("recorded %s, rescored %s %v; want pass, then fail 50", rec.Result, got.Result, got.Score)
	}
	if got.SLO.File != "new.yaml" || len(got.Compared) != 1 || got.Window != rec.Window || got.ID != rec.ID {
		t.Errorf("rescored record: %+v", got)
	}
	if rec.Compared == nil || len(rec.Compared) != 0 {
		t.Errorf("Rescore changed its input: compared %v", rec.Compared)
	}
}

func TestDiff(t *testing.T) {
	base := func(t *testing.T) *evaluator.Record { return recorded(t, vals("m", 16.0), onePassingResult) }
	tests := []struct {
		name   string
		change func(*evaluator.Record)
		want   []string
	}{
		{"identical", func(*evaluator.Record) {}, nil},
		{"result", func(r *evaluator.Record) { r.Result = "pass" }, []string{"result: fail → pass"}},
		{"score, below the precision of the table", func(r *evaluator.Record) { r.Score = 50.001 }, []string{"score: 50 → 50.001"}},
		{"points", func(r *evaluator.Record) { r.Points, r.MaxPoints = 1, 2 }, []string{"points: 0.5 → 1", "max points: 1 → 2"}},
		{
			"objective status and points",
			func(r *evaluator.Record) { r.Objectives[0].Status, r.Objectives[0].Points = "pass", 1 },
			[]string{"objective m status: warning → pass", "objective m points: 0.5/1 → 1/1"},
		},
		{"objective value", func(r *evaluator.Record) { *r.Objectives[0].Value = 16.0001 }, []string{"objective m value: 16 → 16.0001"}},
		{
			"a target",
			func(r *evaluator.Record) { *r.Objectives[0].Pass[1][0].Target = 12 },
			[]string{"objective m criteria: pass <=15.0 [15] held=false skipped=false or <=+10% [11] held=false skipped=false; " +
				"warning <=20.0 [20] held=true skipped=false or <=+15% [11.5] held=false skipped=false → " +
				"pass <=15.0 [15] held=false skipped=false or <=+10% [12] held=false skipped=false; " +
				"warning <=20.0 [20] held=true skipped=false or <=+15% [11.5] held=false skipped=false"},
		},
		{"objectives", func(r *evaluator.Record) { r.Objectives = nil }, []string{"objectives: [m] → []"}},
		{"compared", func(r *evaluator.Record) { r.Compared = nil }, []string{"compared: r1 (pass 100) → none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := base(t), base(t)
			tt.change(b)
			var got []string
			for _, d := range evaluator.Diff(a, b) {
				got = append(got, d.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Diff (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDiffCatchesWhatJSONShows checks Diff against the JSON of the parts
// of a verdict: whenever they differ, Diff reports something.
func TestDiffCatchesWhatJSONShows(t *testing.T) {
	verdict := func(r *evaluator.Record) string {
		b, _ := json.Marshal([]any{r.Result, r.Score, r.Points, r.MaxPoints, r.Objectives, r.Compared})
		return string(b)
	}
	rec := recorded(t, vals("m", 16.0), onePassingResult)
	for _, m := range []float64{10, 14.99, 15, 16, 20, 21} {
		for _, hist := range [][]evaluator.Previous{nil, onePassingResult} {
			other := recorded(t, vals("m", m), hist)
			if (verdict(rec) != verdict(other)) != (len(evaluator.Diff(rec, other)) > 0) {
				t.Errorf("m=%v history=%d: JSON and Diff disagree: %v", m, len(hist), evaluator.Diff(rec, other))
			}
		}
	}
}
