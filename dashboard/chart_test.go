package dashboard

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/evaluator"
)

// An SLI's chart tells each evaluation's verdict on that SLI, not the
// gate's: an error rate within its objective passes though the gate
// failed on response time.
func TestChartResultsAreEachSLIs(t *testing.T) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	num := func(v float64) *float64 { return &v }
	recs := []*evaluator.Record{
		{EvaluatedAt: at, Result: "pass", Score: 100, Objectives: []evaluator.ObjectiveResult{
			{SLI: "response_time_p95", Value: num(195), Status: "pass"},
			{SLI: "error_rate", Value: num(0), Status: "pass"},
		}},
		{EvaluatedAt: at.Add(time.Minute), Result: "fail", Score: 50, Objectives: []evaluator.ObjectiveResult{
			{SLI: "response_time_p95", Value: num(990), Status: "fail"},
			{SLI: "error_rate", Value: num(0), Status: "pass"},
			{SLI: "throughput", Value: num(20), Status: "info"},
		}},
	}
	got := map[string][]string{}
	for _, c := range stageCharts("staging", recs, nil) {
		got[c.ID] = c.Results
	}
	want := map[string][]string{
		"chart-staging-score":             {"pass", "fail"},
		"chart-staging-response-time-p95": {"pass", "fail"},
		"chart-staging-error-rate":        {"pass", "pass"},
		"chart-staging-throughput":        {"–", "info"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("chart results (-want +got):\n%s", diff)
	}
}
