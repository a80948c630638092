package evaluator_test

import (
	"math"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/evaluator"
)

// sharedSLO is the SLO of QUALITY-GATES.md's examples: compare
// several_results, include pass, 2 results, avg; objective m, weight 1,
// pass [[<=15.0],[<=+10%]], warning [[<=20.0],[<=+15%]]; total 90/75.
const sharedSLO = `spec_version: "1.0"
comparison:
  compare_with: several_results
  include_result_with_score: pass
  number_of_comparison_results: 2
  aggregate_function: avg
objectives:
  - sli: m
    weight: 1
    pass:
      - criteria: ["<=15.0"]
      - criteria: ["<=+10%"]
    warning:
      - criteria: ["<=20.0"]
      - criteria: ["<=+15%"]
total_score:
  pass: "90%"
  warning: "75%"
`

func parseSLO(tb testing.TB, src string) *evaluator.SLO {
	tb.Helper()
	slo, d := evaluator.ParseSLO("slo.yaml", []byte(src))
	if slo == nil {
		tb.Fatal(d.Diagnostics().Error())
	}
	return slo
}

var onePassingResult = []evaluator.Previous{{ID: "r1", Result: "pass", Score: 100, Values: map[string]evaluator.Value{"m": {Value: 10}}}}

func vals(kv ...any) map[string]evaluator.Value {
	m := map[string]evaluator.Value{}
	for i := 0; i < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case float64:
			m[kv[i].(string)] = evaluator.Value{Value: v}
		case string:
			m[kv[i].(string)] = evaluator.Value{Err: v}
		}
	}
	return m
}

func TestQualityGateExamples(t *testing.T) {
	tests := []struct {
		name      string
		slo       string
		values    map[string]evaluator.Value
		history   []evaluator.Previous
		result    string
		score     float64
		objective []string // status per objective
	}{
		{"1: m = 10 passes", sharedSLO, vals("m", 10.0), onePassingResult, "pass", 100, []string{"pass"}},
		{"2: m = 16 is a warning objective, 50 fails", sharedSLO, vals("m", 16.0), onePassingResult, "fail", 50, []string{"warning"}},
		{
			"3: an objective without pass criteria is informational", strings.Replace(sharedSLO, "total_score:", "  - sli: info\ntotal_score:", 1), vals("m", 10.0, "info", 3.0), onePassingResult,
			"pass", 100,
			[]string{"pass", "info"},
		},
		{
			"4: relative skipped without history, absolute violated",
			"spec_version: '1.0'\nobjectives:\n  - sli: m\n    pass:\n      - criteria: ['<=+20%', '<500']\ntotal_score: {pass: '90%', warning: '75%'}\n",
			vals("m", 1011.07), nil, "fail", 0,
			[]string{"fail"},
		},
		{"5: no value fails", sharedSLO, vals(), onePassingResult, "fail", 0, []string{"fail"}},
		{
			"6: a failed key SLI fails the gate",
			"spec_version: '1.0'\nobjectives:\n  - sli: a\n    pass: [{criteria: ['<=1']}]\n  - sli: b\n    key_sli: true\n    pass: [{criteria: ['<=1']}]\ntotal_score: {pass: '50%'}\n",
			vals("a", 1.0, "b", 2.0), nil, "fail", 50,
			[]string{"pass", "fail"},
		},
		{
			"a key SLI in warning does not fail the gate",
			"spec_version: '1.0'\nobjectives:\n  - sli: a\n    pass: [{criteria: ['<=1']}]\n  - sli: b\n    key_sli: true\n    pass: [{criteria: ['<=1']}]\n    warning: [{criteria: ['<=3']}]\ntotal_score: {pass: '90%', warning: '70%'}\n",
			vals("a", 1.0, "b", 2.0), nil, "warning", 75,
			[]string{"pass", "warning"},
		},
		{
			"retrieval error fails the objective",
			sharedSLO, vals("m", "prometheus: no data"), onePassingResult, "fail", 0,
			[]string{"fail"},
		},
		{
			"only informational objectives pass with 100",
			"spec_version: '1.0'\nobjectives:\n  - sli: a\ntotal_score: {pass: '90%'}\n",
			vals(), nil, "pass", 100,
			[]string{"info"},
		},
		{"no objectives fail with 0", "spec_version: '1.0'\nobjectives: []\ntotal_score: {pass: '90%'}\n", vals(), nil, "fail", 0, nil},
		{"no total_score fails", "spec_version: '1.0'\nobjectives:\n  - sli: a\n    pass: [{criteria: ['<=1']}]\n", vals("a", 0.5), nil, "fail", 0, []string{"pass"}},
		{
			"a second objective on the same SLI gets no value",
			"spec_version: '1.0'\nobjectives:\n  - sli: a\n    pass: [{criteria: ['<=1']}]\n  - sli: a\n    pass: [{criteria: ['<=2']}]\ntotal_score: {pass: '90%', warning: '50%'}\n",
			vals("a", 0.5), nil, "warning", 50,
			[]string{"pass", "fail"},
		},
		{
			"ferry: ignore_missing leaves a missing objective out",
			"spec_version: '1.0'\nobjectives:\n  - sli: a\n    pass: [{criteria: ['<=1']}]\n  - sli: b\n    ignore_missing: true\n    pass: [{criteria: ['<=1']}]\ntotal_score: {pass: '90%'}\n",
			vals("a", 0.5), nil, "pass", 100,
			[]string{"pass", "info"},
		},
		{
			"weights: 2 of 3 points",
			"spec_version: '1.0'\nobjectives:\n  - sli: a\n    weight: 2\n    pass: [{criteria: ['<=1']}]\n  - sli: b\n    pass: [{criteria: ['<=1']}]\ntotal_score: {pass: '90%', warning: '60%'}\n",
			vals("a", 0.5, "b", 5.0), nil, "warning", 200.0 / 3,
			[]string{"pass", "fail"},
		},
		{
			"history filtered by overall result: the failed result is not compared",
			sharedSLO, vals("m", 16.0),
			[]evaluator.Previous{
				{ID: "r2", Result: "fail", Values: map[string]evaluator.Value{"m": {Value: 100}}},
				{ID: "r1", Result: "pass", Values: map[string]evaluator.Value{"m": {Value: 10}}},
			},
			"fail", 50,
			[]string{"warning"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluator.Score(parseSLO(t, tt.slo), tt.values, tt.history)
			if r.Result != tt.result || math.Abs(r.Score-tt.score) > 1e-9 {
				t.Errorf("result %s %v, want %s %v (%s)", r.Result, r.Score, tt.result, tt.score, r.Message)
			}
			if len(r.Objectives) != len(tt.objective) {
				t.Fatalf("%d objectives scored, want %d", len(r.Objectives), len(tt.objective))
			}
			for i, o := range r.Objectives {
				if o.Status != tt.objective[i] {
					t.Errorf("objective %d (%s): %s, want %s", i, o.SLI, o.Status, tt.objective[i])
				}
			}
		})
	}
}

func TestCase1Targets(t *testing.T) {
	r := evaluator.Score(parseSLO(t, sharedSLO), vals("m", 10.0), onePassingResult)
	pass := r.Objectives[0].Pass
	if *pass[0][0].Target != 15 || *pass[1][0].Target != 11 {
		t.Errorf("targets %v and %v, want 15 and 11", *pass[0][0].Target, *pass[1][0].Target)
	}
	r = evaluator.Score(parseSLO(t, "spec_version: '1.0'\nobjectives:\n  - sli: m\n    pass:\n      - criteria: ['<=+20%', '<500']\ntotal_score: {pass: '90%'}\n"), vals("m", 1011.07), nil)
	if ts := r.Objectives[0].Pass[0]; !ts[0].Skipped || !ts[0].Held || ts[1].Held {
		t.Errorf("case 4 targets: %+v", ts)
	}
}

func TestCase7TotalOnly(t *testing.T) {
	// Keptn's case 7 scores two objectives worth 1 and 0.506 points of 2.
	score, result := evaluator.Verdict(2, 1.506, 2, false, &evaluator.TotalScore{Pass: "90%", Warning: "75%"})
	if math.Abs(score-75.3) > 1e-9 || result != "warning" {
		t.Errorf("Verdict = %v %s, want 75.3 warning", score, result)
	}
}

func TestAggregates(t *testing.T) {
	var v []float64
	for i := 0; i <= 10; i++ {
		v = append(v, float64(10-i)) // unsorted on purpose
	}
	for fn, want := range map[string]float64{"p50": 5, "p90": 9.8, "p95": 10, "avg": 5} {
		if got := evaluator.Aggregate(fn, v); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s of 0…10 = %v, want %v", fn, got, want)
		}
	}
	if got := evaluator.Aggregate("p50", []float64{4}); got != 4 {
		t.Errorf("p50 of one value = %v", got)
	}
	if got := evaluator.Aggregate("p90", []float64{1, 2}); got != 2 {
		t.Errorf("p90 of [1 2] = %v, want the maximum", got)
	}
	if got := evaluator.Aggregate("p50", []float64{1, 2}); got != 1.5 {
		t.Errorf("p50 of [1 2] = %v, want 1.5", got)
	}
}

// TestEmptyCriteriaBlockEarnsNoPoints: Keptn's calculateScore adds an
// objective's score only when it has pass targets. pass: [{criteria: []}]
// holds (evaluateCriteriaSet of nothing is satisfied), so the objective
// passes, but its weight counts in the maximum and nothing in the points.
func TestEmptyCriteriaBlockEarnsNoPoints(t *testing.T) {
	tests := []struct {
		name     string
		pass     string
		value    float64
		status   string
		points   float64
		result   string
		score    float64
		warnings int
	}{
		{"one empty block", "[{criteria: []}]", 5, "pass", 0, "fail", 0, 1},
		{"a missing criteria key is an empty block", "[{}]", 5, "pass", 0, "fail", 0, 1},
		{"an empty block beside a violated one still holds, with points", "[{criteria: []}, {criteria: ['<=1']}]", 5, "pass", 1, "pass", 100, 1},
		{"no pass blocks at all is informational", "[]", 5, "info", 0, "pass", 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slo, d := evaluator.ParseSLO("slo.yaml", []byte("spec_version: '1.0'\nobjectives:\n  - sli: m\n    pass: "+tt.pass+"\ntotal_score: {pass: '90%'}\n"))
			if slo == nil {
				t.Fatal(d.Diagnostics().Error())
			}
			if n := len(d.Diagnostics()); n != tt.warnings {
				t.Errorf("%d diagnostics, want %d: %s", n, tt.warnings, d.Diagnostics().Error())
			}
			r := evaluator.Score(slo, vals("m", tt.value), nil)
			o := r.Objectives[0]
			if o.Status != tt.status || o.Points != tt.points || r.Result != tt.result || r.Score != tt.score {
				t.Errorf("objective %s %v, total %s %v; want %s %v, %s %v", o.Status, o.Points, r.Result, r.Score, tt.status, tt.points, tt.result, tt.score)
			}
		})
	}
}

// TestInvalidatedResultsAreNeverCompared: Keptn asked its datastore for
// previous evaluations with excludeInvalidated=true, before the result
// filter and the limit.
func TestInvalidatedResultsAreNeverCompared(t *testing.T) {
	history := []evaluator.Previous{
		{ID: "r3", Result: "pass", Values: vals("m", 100.0), Invalidated: true},
		{ID: "r2", Result: "pass", Values: vals("m", 10.0)},
		{ID: "r1", Result: "pass", Values: vals("m", 10.0)},
	}
	r := evaluator.Score(parseSLO(t, sharedSLO), vals("m", 16.0), history)
	if len(r.Compared) != 2 || r.Compared[0].ID != "r2" || r.Compared[1].ID != "r1" {
		t.Errorf("compared %v, want r2 and r1", r.Compared)
	}
	// With r3 (avg 55, target 60.5) m = 16 would pass; against 10 it warns.
	if r.Result != "fail" || r.Objectives[0].Status != "warning" {
		t.Errorf("%s, objective %s", r.Result, r.Objectives[0].Status)
	}
	// A replay never compares with an invalidated result either: a record
	// that names one does not replay as recorded.
	rec := *r
	rec.SLO = evaluator.SLOSource{File: "slo.yaml", Content: sharedSLO}
	rec.Compared = history
	again, err := evaluator.Replay(&rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Compared) != 2 || again.Compared[0].ID != "r2" {
		t.Errorf("replay compared %v", again.Compared)
	}
	// Invalidation travels with a record into the previous results.
	stored := &evaluator.Record{ID: "r9", Result: "pass", Invalidated: true}
	if !stored.AsPrevious().Invalidated {
		t.Error("AsPrevious dropped the invalidation")
	}
}
