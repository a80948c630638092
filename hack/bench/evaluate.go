package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/internal/promserver"
)

// benchEvaluate runs 1,000 evaluations of a 10-objective SLO against the
// embedded Prometheus, with ferry's concurrent retrieval, against the same
// queries issued one after another through the client (the baseline), and
// measures scoring alone.
func benchEvaluate(ctx context.Context, c config) error {
	fmt.Printf("evaluator: evaluations of a 10-objective SLO against the embedded Prometheus\n")
	if err := evaluateWith(ctx, c, c.evaluations, 0); err != nil {
		return err
	}
	// A Prometheus across a network answers each query a little later:
	// there the concurrent retrieval pays off.
	return evaluateWith(ctx, c, c.evaluations/5, 2*time.Millisecond)
}

func evaluateWith(ctx context.Context, c config, n int, delay time.Duration) error {
	const objectives = 10
	prom, err := promserver.Start(promserver.Options{Dir: filepath.Join(c.workDir, fmt.Sprintf("prom-%d", delay)), Delay: delay})
	if err != nil {
		return err
	}
	defer func() { _ = prom.Close() }()
	end := time.Now()
	var samples []promserver.Sample
	for i := range objectives {
		for s := 0; s <= 60; s++ {
			samples = append(samples, promserver.Sample{
				Labels: labels.FromStrings("__name__", fmt.Sprintf("bench_sli_%d", i), "job", "carts-sockshop-staging"),
				Time:   end.Add(-time.Duration(s) * 10 * time.Second), Value: float64(100 + i + s%7),
			})
		}
	}
	if err := prom.Add(samples...); err != nil {
		return err
	}
	var slo strings.Builder
	slo.WriteString("spec_version: '1.0'\ncomparison: {compare_with: several_results, number_of_comparison_results: 3, aggregate_function: p90}\nobjectives:\n")
	indicators := map[string]string{}
	for i := range objectives {
		fmt.Fprintf(&slo, "  - sli: s%d\n    pass: [{criteria: ['<=+10%%', '<500']}]\n    warning: [{criteria: ['<=800']}]\n", i)
		indicators[fmt.Sprintf("s%d", i)] = fmt.Sprintf(`avg_over_time(bench_sli_%d{job="$SERVICE-$PROJECT-$STAGE"}[$DURATION_SECONDS])`, i)
	}
	slo.WriteString("total_score: {pass: '90%', warning: '75%'}\n")
	parsed, d := evaluator.ParseSLO("slo.yaml", []byte(slo.String()))
	if parsed == nil {
		return d.Diagnostics().Err()
	}
	q, err := evaluator.NewPrometheus(evaluator.PrometheusOptions{URL: prom.URL})
	if err != nil {
		return err
	}
	req := evaluator.Request{
		Placeholders: evaluator.Placeholders{
			Project: "sockshop", Stage: "staging", Service: "carts",
			Window: evaluator.Window{Start: end.Add(-5 * time.Minute), End: end},
		},
		SLO: parsed, Indicators: indicators,
	}
	history := []evaluator.Previous{}
	for i := range 3 {
		values := map[string]evaluator.Value{}
		for k := range indicators {
			values[k] = evaluator.Value{Value: float64(100 + i)}
		}
		history = append(history, evaluator.Previous{ID: fmt.Sprint(i), Result: "pass", Values: values})
	}
	req.History = history
	fmt.Printf(" %d evaluations, each query answered after %s more:\n", n, delay)

	e := &evaluator.Evaluator{Querier: q}
	start := time.Now()
	var last *evaluator.Record
	for range n {
		last = e.Evaluate(ctx, req)
	}
	ferry := time.Since(start)
	if last.Result != evaluator.ResultPass {
		return fmt.Errorf("benchmark evaluation did not pass: %s %+v", last.Result, last.Values)
	}

	// Baseline: the same queries, one after another, with no scoring.
	start = time.Now()
	for range n {
		for _, raw := range indicators {
			query, _ := req.Substitute(raw)
			if _, err := q.Query(ctx, query, end); err != nil {
				return err
			}
		}
	}
	baseline := time.Since(start)

	start = time.Now()
	values := last.Values
	for range n * 10 {
		evaluator.Score(parsed, values, history)
	}
	scoring := time.Since(start) / time.Duration(n*10)

	fmt.Printf("  ferry (4 queries at once)   %8.0f evaluations/s  %8.0f queries/s  (%s)\n",
		float64(n)/ferry.Seconds(), float64(n*objectives)/ferry.Seconds(), ferry.Round(time.Millisecond))
	fmt.Printf("  baseline (one at a time)    %8.0f evaluations/s  %8.0f queries/s  (%s)\n",
		float64(n)/baseline.Seconds(), float64(n*objectives)/baseline.Seconds(), baseline.Round(time.Millisecond))
	fmt.Printf("  ratio %.1fx; scoring alone %s per evaluation\n", baseline.Seconds()/ferry.Seconds(), scoring.Round(100*time.Nanosecond))
	return nil
}
