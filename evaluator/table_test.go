package evaluator_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/evaluator"
)

// tableSLO has a key objective with AND and OR blocks and a relative
// criterion, a plain one, an informational one and one that may be missing.
const tableSLO = `spec_version: "1.0"
comparison: {compare_with: several_results, include_result_with_score: pass, number_of_comparison_results: 2}
objectives:
  - sli: m
    displayName: Latency
    key_sli: true
    pass: [{criteria: ["<=15.0"]}, {criteria: ["<=+10%", "<20"]}]
    warning: [{criteria: ["<=20.0"]}]
  - sli: err
    pass: [{criteria: ["<=1"]}]
  - sli: info
  - sli: gone
    ignore_missing: true
    pass: [{criteria: ["<=1"]}]
total_score: {pass: "90%", warning: "40%"}
`

var twoPassingResults = []evaluator.Previous{
	{ID: "r2", Result: "pass", Values: vals("m", 10.0)},
	{ID: "r1", Result: "pass", Values: vals("m", 12.0)},
}

func TestWriteTable(t *testing.T) {
	slo := parseSLO(t, tableSLO)
	tests := []struct {
		name string
		rec  *evaluator.Record
		want string
	}{
		{
			name: "targets, errors, informational objectives and compared results",
			rec:  evaluator.Score(slo, vals("m", 16.5, "err", "timeout", "info", 3.0), twoPassingResults),
			want: `OBJECTIVE      VALUE                                      PASS                                                WARNING         STATUS   POINTS
Latency (key)  16.5                                       <=15.0 [15] no or <=+10% [12.1] no and <20 [20] ok  <=20.0 [20] ok  warning  0.5/1
err            error: timeout                             -                                                   -               fail     0/1
info           3                                          -                                                   -               info     -
gone           error: no value (ignored: ignore_missing)  -                                                   -               info     -

result: fail, score 25 (0.5 of 2 points)
compared with: r2, r1
`,
		},
		{
			name: "relative criteria skipped without history",
			rec:  evaluator.Score(slo, vals("m", 1.0, "err", 0.25, "info", 3.0), nil),
			want: `OBJECTIVE      VALUE                                      PASS                                                            WARNING  STATUS  POINTS
Latency (key)  1                                          <=15.0 [15] ok or <=+10% (no history: skipped) and <20 [20] ok  -        pass    1/1
err            0.25                                       <=1 [1] ok                                                      -        pass    1/1
info           3                                          -                                                               -        info    -
gone           error: no value (ignored: ignore_missing)  -                                                               -        info    -

result: pass, score 100 (2 of 2 points)
`,
		},
		{
			name: "no objectives, with a message",
			rec:  &evaluator.Record{Result: evaluator.ResultPass, Message: "no SLO"},
			want: `OBJECTIVE  VALUE  PASS  WARNING  STATUS  POINTS

result: pass, score 0 (0 of 0 points): no SLO
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := tt.rec.WriteTable(&b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("table (-want +got):\n%s", diff)
			}
		})
	}
}
