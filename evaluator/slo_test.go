package evaluator_test

import (
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
