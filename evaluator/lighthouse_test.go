package evaluator_test

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/evaluator"
)

// The tests in this file are the vectors of Keptn's own lighthouse tests
// (lighthouse-service/event_handler/evaluate_sli_handler_test.go at
// keptn/keptn 318a3d5), one row per case, named as Keptn names it. The
// cases that exercise Keptn's plumbing rather than its scoring (the
// datastore query, the event handler, the slice bookkeeping of
// getSLIResult) are covered by ferry's own tests of the same rules.

// TestLighthouseParseCriteriaString is TestParseCriteriaString.
func TestLighthouseParseCriteriaString(t *testing.T) {
	tests := []struct {
		raw                              string
		op                               string
		value                            float64
		percentage, comparison, increase bool
	}{
		{"<10", "<", 10, false, false, false},
		{"<=10", "<=", 10, false, false, false},
		{"=10", "=", 10, false, false, false},
		{">=10", ">=", 10, false, false, false},
		{">10", ">", 10, false, false, false},
		{">-10%", ">", 10, true, true, false},
		{"<=+10.5%", "<=", 10.5, true, true, true},
		{"<=+10", "<=", 10, false, true, true},
		{"  <=+10   %", "<=", 10, true, true, true},
		{"  <=10%", "<=", 10, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			c, err := evaluator.ParseCriterion(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			// Keptn's CheckIncrease is false for absolute criteria.
			increase := c.Relative && !c.Negative
			if c.Op != tt.op || c.Value != tt.value || c.Percent != tt.percentage || c.Relative != tt.comparison || increase != tt.increase {
				t.Errorf("got %+v", c)
			}
		})
	}
}

// TestLighthouseEvaluateValue is TestEvaluateValue and
// TestEvaluateFixedThreshold: an unknown operator never holds (Keptn also
// returns "no operator set"; ferry's parser never yields one).
func TestLighthouseEvaluateValue(t *testing.T) {
	tests := []struct {
		name              string
		measured, against float64
		op                string
		want              bool
	}{
		{"10 > 9 should return true", 10, 9, ">", true},
		{"10 >= 10 should return true", 10, 10, ">=", true},
		{"10 <= 10 should return true", 10, 10, "<=", true},
		{"10 < 10 should return false", 10, 10, "<", false},
		{"10 > 10 should return false", 10, 10, ">", false},
		{"10 ? 10 should return an error", 10, 10, "?", false},
		{"10.0 > 9.0 should return true", 10, 9, ">", true},
		{"10.0 = 9.0 should return false", 10, 9, "=", false},
		{"10.0 ? 9.0 should return an error", 10, 9, "?", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := evaluator.Criterion{Op: tt.op, Value: tt.against}
			if got := c.Holds(tt.measured, c.Target(0)); got != tt.want {
				t.Errorf("got %v", got)
			}
		})
	}
}

// TestLighthouseAggregates is TestCalculatePercentile and
// Test_aggregateValues.
func TestLighthouseAggregates(t *testing.T) {
	zeroToTen := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tt := range []struct {
		name string
		fn   string
		in   []float64
		want float64
	}{
		{"Should return 5.0", "p50", zeroToTen, 5},
		{"Should return 9.0", "p90", zeroToTen, 9.8},
		{"Should return 10.0", "p95", zeroToTen, 10},
		{"Aggregate 2 values with AVG", "avg", []float64{5, 15}, 10},
	} {
		if got := evaluator.Aggregate(tt.fn, tt.in); got != tt.want {
			t.Errorf("%s: %s%v = %v, want %v", tt.name, tt.fn, tt.in, got, tt.want)
		}
	}
	// "Skip because of no previous results" and "... no previous
	// success": a relative criterion without a usable previous value holds
	// and is marked skipped.
	for name, history := range map[string][]evaluator.Previous{
		"Skip because of no previous results": nil,
		"Skip because of no previous success": {
			{ID: "a", Result: "pass", Values: vals("m", "no data")},
			{ID: "b", Result: "pass", Values: vals("m", "no data")},
		},
	} {
		r := evaluator.Score(parseSLO(t, sharedSLO), vals("m", 1000.0), history)
		if ts := r.Objectives[0].Pass[1]; !ts[0].Held || !ts[0].Skipped || ts[0].Target != nil {
			t.Errorf("%s: %+v", name, ts[0])
		}
	}
}

// TestLighthouseSingleCriteria is TestEvaluateComparison and
// TestEvaluateSingleCriteria, with previous values [10, 10].
func TestLighthouseSingleCriteria(t *testing.T) {
	tests := []struct {
		name     string
		value    float64
		criteria string
		agg      string
		want     bool
	}{
		{"Expect true for 10.0 <= avg([10.0, 10.0]) + 10%", 10, "<=+10%", "avg", true},
		{"Expect false for 11.01 <= avg([10.0, 10.0]) + 10%", 11.01, "<=+10%", "avg", false},
		{"Expect false for 10.0 < avg([10.0, 10.0]) + 0%", 10, "<+0%", "avg", false},
		{"Expect false for 10.0 > avg([10.0, 10.0]) + 0%", 10, ">+0%", "avg", false},
		{"Expect true for 11.0 = avg([10.0, 10.0]) + 1.0", 11, "=+1", "avg", true},
		{"Expect true for 9.0 = avg([10.0, 10.0]) - 1.0", 9, "=-1", "avg", true},
		// TestEvaluateComparison writes this one as >= with a 10% decrease,
		// TestEvaluateSingleCriteria as <=+10%: both hold.
		{"Expect true for 10.0 <= p50([10.0, 5.0]) + 10.0% (comparison)", 10, ">=-10%", "p50", true},
		{"Expect true for 10.0 <= p50([10.0, 5.0]) + 10.0% (single criteria)", 10, "<=+10%", "p50", true},
		{"Expect true for 10.0 <= 10.0", 10, "<=10", "avg", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := evaluator.ParseCriterion(tt.criteria)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Holds(tt.value, c.Target(evaluator.Aggregate(tt.agg, []float64{10, 10}))); got != tt.want {
				t.Errorf("got %v", got)
			}
		})
	}
}

// TestLighthouseCriteriaBlocks is TestEvaluateCriteriaSet (AND inside a
// block) and TestEvaluateOrCombinedCriteria (OR across blocks), with one
// previous value 10 (Keptn's tests give [10, 10]: the same average).
func TestLighthouseCriteriaBlocks(t *testing.T) {
	const and = "[{criteria: ['<=+10%', '<=10.0']}]"
	const or = "[{criteria: ['<=10.0']}, {criteria: ['<=+10%']}]"
	tests := []struct {
		name   string
		pass   string
		value  float64
		status string
	}{
		{"Expect true for (10.0 <= avg([10.0, 10.0]) + 10%) && (10.0 <= 10.0)", and, 10, "pass"},
		{"Expect false for (11.0 <= avg([10.0, 10.0]) + 10%) && (10.0 <= 10.0)", and, 11, "fail"},
		{"Expect true for (10.0 <= avg([10.0, 10.0]) + 10%) || (10.0 <= 10.0)", or, 10, "pass"},
		{"Expect true for (11.0 <= avg([10.0, 10.0]) + 10%) || (10.0 <= 10.0)", or, 11, "pass"},
		{"Expect false for (20.0 <= avg([10.0, 10.0]) + 10%) || (10.0 <= 10.0)", or, 20, "fail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "spec_version: '1.0'\ncomparison: {compare_with: several_results, include_result_with_score: pass, number_of_comparison_results: 2}\n" +
				"objectives:\n  - sli: m\n    pass: " + tt.pass + "\ntotal_score: {pass: '90%'}\n"
			history := []evaluator.Previous{{ID: "a", Result: "pass", Values: vals("m", 10.0)}, {ID: "b", Result: "pass", Values: vals("m", 10.0)}}
			r := evaluator.Score(parseSLO(t, src), vals("m", tt.value), history)
			if got := r.Objectives[0].Status; got != tt.status {
				t.Errorf("status %s, want %s", got, tt.status)
			}
		})
	}
}

// TestLighthouseEvaluateObjectives is TestEvaluateObjectives: per
// objective status and points, and the maximum score.
func TestLighthouseEvaluateObjectives(t *testing.T) {
	sharedWith := func(extra string) string {
		return strings.Replace(sharedSLO, "total_score:", extra+"total_score:", 1)
	}
	keptn6096 := strings.Replace(sharedSLO, "- sli: m", "- sli: a_different_metric", 1)
	tests := []struct {
		name     string
		slo      string
		values   map[string]evaluator.Value
		history  []evaluator.Previous
		statuses []string
		points   []float64
		max      float64
		result   string
	}{
		{
			"Simple comparison evaluation", sharedSLO, vals("m", 10.0), onePassingResult,
			[]string{"pass"},
			[]float64{1},
			1, "pass",
		},
		{
			"Expect Warning", sharedSLO, vals("m", 16.0), onePassingResult,
			[]string{"warning"},
			[]float64{0.5},
			1, "fail",
		},
		{
			"Logging SLI with no pass criteria should not affect score",
			sharedWith("  - sli: my-log-metric\n    weight: 1\n"), vals("m", 10.0, "my-log-metric", 30.0), onePassingResult,
			[]string{"pass", "info"},
			[]float64{1, 0},
			1, "pass",
		},
		{
			"Logging SLI with empty pass criteria array should not affect score and have status 'info' - BUG 2231",
			sharedWith("  - sli: my-log-metric\n    weight: 1\n    pass: []\n    warning: []\n"), vals("m", 10.0, "my-log-metric", 30.0), onePassingResult,
			[]string{"pass", "info"},
			[]float64{1, 0},
			1, "pass",
		},
		{
			"BUG 1125",
			"spec_version: '1.0'\ncomparison: {compare_with: several_results, include_result_with_score: pass, number_of_comparison_results: 2, aggregate_function: avg}\n" +
				"objectives:\n  - sli: response_time_p50\n    pass: [{criteria: ['<=+20%', '<500']}]\ntotal_score: {pass: '90%', warning: '75%'}\n",
			vals("response_time_p50", 1011.0745528937252), nil,
			[]string{"fail"},
			[]float64{0},
			1, "fail",
		},
		{
			"BUG 1263",
			"spec_version: '1.0'\ncomparison: {compare_with: single_result, include_result_with_score: pass, number_of_comparison_results: 1, aggregate_function: avg}\n" +
				"objectives:\n  - sli: response_time_p50\n    pass: [{criteria: ['<=+20%']}]\ntotal_score: {pass: '90%', warning: '75%'}\n",
			vals("response_time_p50", 100.0),
			[]evaluator.Previous{{ID: "prev", Result: "pass", Values: vals("response_time_p50", "no value received from SLI provider")}},
			[]string{"pass"},
			[]float64{1},
			1, "pass",
		},
		{
			"6096 if SLI does not have objective have a message", keptn6096, vals("my-test-metric-1", 10.0),
			[]evaluator.Previous{
				{ID: "p1", Result: "pass", Values: vals("my-test-metric-1", 10.0, "a_different_metric", 5.0)},
				{ID: "p2", Result: "pass", Values: vals("my-test-metric-1", 10.0)},
			},
			[]string{"fail"},
			[]float64{0},
			1, "fail",
		},
		{
			"9198 SLO file does not have objectives",
			"spec_version: '1.0'\ncomparison: {compare_with: single_result, include_result_with_score: pass, number_of_comparison_results: 1, aggregate_function: avg}\nobjectives: []\ntotal_score: {pass: '90%', warning: '75%'}\n",
			vals("no metric", "no SLIs were requested"), nil,
			nil, nil, 0, "fail",
		},
		{
			"Fail with result equal to nil", sharedSLO, vals(), onePassingResult,
			[]string{"fail"},
			[]float64{0},
			1, "fail",
		},
		{
			"Fail with result success = false", sharedSLO, vals("m", "could not get data"), onePassingResult,
			[]string{"fail"},
			[]float64{0},
			1, "fail",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluator.Score(parseSLO(t, tt.slo), tt.values, tt.history)
			var statuses []string
			var points []float64
			for _, o := range r.Objectives {
				statuses = append(statuses, o.Status)
				points = append(points, o.Points)
			}
			if diff := cmp.Diff(tt.statuses, statuses); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.points, points); diff != "" {
				t.Errorf("points (-want +got):\n%s", diff)
			}
			if r.MaxPoints != tt.max || r.Result != tt.result {
				t.Errorf("max %v %s, want %v %s", r.MaxPoints, r.Result, tt.max, tt.result)
			}
		})
	}
}

// TestLighthouseCalculateScore is TestCalculateScore: the total from the
// points, compared exactly (no tolerance).
func TestLighthouseCalculateScore(t *testing.T) {
	total := &evaluator.TotalScore{Pass: "90%", Warning: "75%"}
	tests := []struct {
		name        string
		points, max float64
		keyFailed   bool
		score       float64
		result      string
	}{
		{"Simple comparison", 1, 1, false, 100, "pass"},
		{"Key SLI failed", 1, 2, true, 50, "fail"},
		{"Non-Key SLI warning", 1.506, 2, false, 75.3, "warning"},
		{"Non-Key SLI fail", 1.48, 2, false, 74, "fail"},
		{"Only Info SLIs", 0, 0, false, 100, "pass"},
		{"Info objectives should not be part of score", 1, 1, false, 100, "pass"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			score, result := evaluator.Verdict(2, tt.points, tt.max, tt.keyFailed, total)
			if score != tt.score || result != tt.result {
				t.Errorf("got %v %s, want %v %s", score, result, tt.score, tt.result)
			}
		})
	}
}

// TestKeptnScoreOrder: Keptn computes 100 * (points / max), so 29 of 50
// points is 57.99999999999999, below a 58% pass mark: a warning, where
// 100 * points / max (exactly 58) would pass.
func TestKeptnScoreOrder(t *testing.T) {
	score, result := evaluator.Verdict(50, 29, 50, false, &evaluator.TotalScore{Pass: "58%", Warning: "50%"})
	if result != "warning" || score >= 58 {
		t.Errorf("29 of 50 against 58%%: %v %s, want 57.99999999999999 warning", score, result)
	}
	// The same through Score: 50 objectives of weight 1, 29 of them pass.
	var b strings.Builder
	b.WriteString("spec_version: '1.0'\nobjectives:\n")
	values := map[string]evaluator.Value{}
	for i := range 50 {
		name := "s" + string(rune('A'+i/26)) + string(rune('a'+i%26))
		b.WriteString("  - sli: " + name + "\n    pass: [{criteria: ['<=1']}]\n")
		values[name] = evaluator.Value{Value: 0}
		if i >= 29 {
			values[name] = evaluator.Value{Value: 2}
		}
	}
	b.WriteString("total_score: {pass: '58%', warning: '50%'}\n")
	r := evaluator.Score(parseSLO(t, b.String()), values, nil)
	points, maxPoints := 29.0, 50.0 // variables: constant arithmetic would be exact
	if r.Points != points || r.MaxPoints != maxPoints || r.Result != "warning" || r.Score != 100*(points/maxPoints) {
		t.Errorf("Score: %v of %v, %v %s", r.Points, r.MaxPoints, r.Score, r.Result)
	}
	if math.Abs(r.Score-58) > 1e-9 {
		t.Errorf("score %v is not 58 to the eye", r.Score)
	}
}
