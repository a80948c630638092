package evaluator_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/evaluator"
)

func TestSLODefaults(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want evaluator.Comparison
	}{
		{"absent", "objectives: []\n", evaluator.Comparison{CompareWith: "single_result", IncludeResultWithScore: "all", NumberOfComparisonResults: 1, AggregateFunction: "avg"}},
		{"empty block", "comparison: {}\nobjectives: []\n", evaluator.Comparison{IncludeResultWithScore: "all", NumberOfComparisonResults: 3, AggregateFunction: "avg"}},
		{"single_result", "comparison: {compare_with: single_result, number_of_comparison_results: 3}\nobjectives: []\n", evaluator.Comparison{CompareWith: "single_result", IncludeResultWithScore: "all", NumberOfComparisonResults: 1, AggregateFunction: "avg"}},
		{"several", "comparison: {compare_with: several_results, include_result_with_score: pass, number_of_comparison_results: 2, aggregate_function: p90}\nobjectives: []\n", evaluator.Comparison{CompareWith: "several_results", IncludeResultWithScore: "pass", NumberOfComparisonResults: 2, AggregateFunction: "p90"}},
	}
	for _, tt := range tests {
		slo, d := evaluator.ParseSLO("slo.yaml", []byte("spec_version: '1.0'\n"+tt.src+"total_score: {pass: '90'}\n"))
		if slo == nil {
			t.Fatalf("%s: %s", tt.name, d.Diagnostics().Error())
		}
		if diff := cmp.Diff(tt.want, *slo.Comparison); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestSLODropsNullObjectivesAndDefaultsWeight(t *testing.T) {
	src := "spec_version: '1.0'\nobjectives:\n  - sli: a\n    pass: [{criteria: ['<=1']}]\n  - null\n  - sli: b\n    weight: 3\ntotal_score: {pass: 90%, warning: 75%}\n"
	slo, d := evaluator.ParseSLO("slo.yaml", []byte(src))
	if slo == nil {
		t.Fatal(d.Diagnostics().Error())
	}
	if len(slo.Objectives) != 2 || slo.Objectives[0].Weight != 1 || slo.Objectives[1].Weight != 3 {
		t.Errorf("objectives = %+v", slo.Objectives)
	}
	if diff := cmp.Diff([]string{"a", "b"}, slo.SLIs()); diff != "" {
		t.Errorf("SLIs (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		in   string
		want float64
	}{{"90", 90}, {"90%", 90}, {"\t75.5%\n", 75.5}} {
		if got, err := evaluator.ParsePercent(tt.in); err != nil || got != tt.want {
			t.Errorf("ParsePercent(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestTotalScoreIsAPlainPercentage(t *testing.T) {
	for _, in := range []string{"NaN", "nan%", "Inf", "+Inf", "-inf%", "1e2", "-5%", "+90", "0x5A", "9_0", "101%", ""} {
		if got, err := evaluator.ParsePercent(in); err == nil {
			t.Errorf("ParsePercent(%q) = %v, want an error", in, got)
		}
	}
	for _, in := range []string{"0", "100%", "99.5", ".5%"} {
		if _, err := evaluator.ParsePercent(in); err != nil {
			t.Errorf("ParsePercent(%q): %v", in, err)
		}
	}
	src := "spec_version: '1.0'\nobjectives:\n  - sli: a\n    pass: [{criteria: ['<=1']}]\ntotal_score:\n  pass: .NaN\n  warning: Inf%\n"
	_, d := evaluator.ParseSLO("slo.yaml", []byte(src))
	want := []string{
		`slo.yaml:6:9: total_score.pass: ".NaN" is not a percentage such as 90%: want a number from 0 to 100, without sign or exponent`,
		`slo.yaml:7:12: total_score.warning: "Inf%" is not a percentage such as 90%: want a number from 0 to 100, without sign or exponent`,
	}
	var got []string
	for _, diag := range d.Diagnostics() {
		got = append(got, diag.Error())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}

// TestComparisonDefaultsAsKeptn: a comparison block without compare_with
// compares with 3 results whatever number_of_comparison_results says
// (processGetSliFinishedEvent), include_result_with_score is matched
// without case (getPreviousEvaluations lower-cases it).
func TestComparisonDefaultsAsKeptn(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want evaluator.Comparison
		warn string
	}{
		{
			"no compare_with: 3, not 5", "comparison: {number_of_comparison_results: 5}\n",
			evaluator.Comparison{IncludeResultWithScore: "all", NumberOfComparisonResults: 3, AggregateFunction: "avg"},
			"slo.yaml:2:44: warning: comparison.number_of_comparison_results: number_of_comparison_results is used only with compare_with: several_results; without compare_with, as in Keptn, relative criteria compare with 3 results",
		},
		{
			"no compare_with, 1 result asked: still 3", "comparison: {number_of_comparison_results: 1, include_result_with_score: PASS}\n",
			evaluator.Comparison{IncludeResultWithScore: "pass", NumberOfComparisonResults: 3, AggregateFunction: "avg"},
			"slo.yaml:2:44: warning: comparison.number_of_comparison_results: number_of_comparison_results is used only with compare_with: several_results; without compare_with, as in Keptn, relative criteria compare with 3 results",
		},
		{
			"several_results keeps its number", "comparison: {compare_with: several_results, number_of_comparison_results: 5, include_result_with_score: Pass_or_warn}\n",
			evaluator.Comparison{CompareWith: "several_results", IncludeResultWithScore: "pass_or_warn", NumberOfComparisonResults: 5, AggregateFunction: "avg"},
			"",
		},
		{
			"no comparison block: 1 result of any verdict", "",
			evaluator.Comparison{CompareWith: "single_result", IncludeResultWithScore: "all", NumberOfComparisonResults: 1, AggregateFunction: "avg"},
			"",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slo, d := evaluator.ParseSLO("slo.yaml", []byte("spec_version: '1.0'\n"+tt.src+"objectives:\n  - sli: m\n    pass: [{criteria: ['<=+10%']}]\ntotal_score: {pass: '90'}\n"))
			if slo == nil {
				t.Fatal(d.Diagnostics().Error())
			}
			if diff := cmp.Diff(tt.want, *slo.Comparison); diff != "" {
				t.Errorf("comparison (-want +got):\n%s", diff)
			}
			var warns []string
			for _, diag := range d.Diagnostics() {
				warns = append(warns, diag.Error())
			}
			if got := strings.Join(warns, "\n"); got != tt.warn {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", got, tt.warn)
			}
		})
	}
	// Scored: five passing results, a block without compare_with uses the
	// newest 3 (avg 10), not the 5 asked (avg 26).
	slo := parseSLO(t, "spec_version: '1.0'\ncomparison: {number_of_comparison_results: 5, include_result_with_score: PASS}\nobjectives:\n  - sli: m\n    pass: [{criteria: ['<=+10%']}]\ntotal_score: {pass: '90'}\n")
	var history []evaluator.Previous
	for i, m := range []float64{10, 10, 10, 50, 50} {
		history = append(history, evaluator.Previous{ID: string(rune('a' + i)), Result: "pass", Values: vals("m", m)})
	}
	history = append([]evaluator.Previous{{ID: "warned", Result: "warning", Values: vals("m", 1000.0)}}, history...)
	r := evaluator.Score(slo, vals("m", 20.0), history)
	if len(r.Compared) != 3 || r.Compared[0].ID != "a" || r.Result != "fail" || *r.Objectives[0].Pass[0][0].Target != 11 {
		t.Errorf("compared %v, %s, target %v", r.Compared, r.Result, *r.Objectives[0].Pass[0][0].Target)
	}
}

func TestComparisonValuesStayStrict(t *testing.T) {
	src := "spec_version: '1.0'\ncomparison: {compare_with: Several_Results, include_result_with_score: warning}\nobjectives: []\ntotal_score: {pass: '90'}\n"
	_, d := evaluator.ParseSLO("slo.yaml", []byte(src))
	var got []string
	for _, diag := range d.Diagnostics().Errors() {
		got = append(got, diag.Error())
	}
	want := []string{
		`slo.yaml:2:28: comparison.compare_with: compare_with must be one of single_result, several_results, got "Several_Results"`,
		`slo.yaml:2:72: comparison.include_result_with_score: include_result_with_score must be one of all, pass, pass_or_warn, got "warning"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}
