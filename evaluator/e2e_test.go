package evaluator_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/internal/e2e"
)

// TestRealPrometheus runs a quality gate against the real Prometheus
// server scraping a target the test serves.
func TestRealPrometheus(t *testing.T) {
	var latency atomic.Int64
	latency.Store(120)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintf(w, "# TYPE carts_latency_ms gauge\ncarts_latency_ms{stage=\"staging\"} %d\ncarts_errors_total 3\ncarts_up{instance_kind=\"a\"} 1\ncarts_up{instance_kind=\"b\"} 1\n", latency.Load())
	}))
	defer target.Close()
	prom := e2e.StartPrometheus(t, e2e.ScrapeConfig(time.Second, "carts-sockshop-staging", strings.TrimPrefix(target.URL, "http://")), nil)

	q := querier(t, prom.URL, 5*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for {
		v, err := q.Query(context.Background(), "count_over_time(carts_latency_ms[1m])", time.Now())
		if err == nil && v >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus scraped no data in 30s: %v", err)
		}
		time.Sleep(300 * time.Millisecond)
	}

	slo := parseSLO(t, `spec_version: "1.0"
objectives:
  - sli: response_time
    pass: [{criteria: ["<=200"]}]
    warning: [{criteria: ["<=400"]}]
  - sli: errors
    pass: [{criteria: ["<10"]}]
  - sli: instances
total_score: {pass: "90%", warning: "75%"}
`)
	e := &evaluator.Evaluator{Querier: q}
	req := evaluator.Request{
		Placeholders: evaluator.Placeholders{
			Project: "sockshop", Stage: "staging", Service: "carts",
			Window: evaluator.Window{Start: time.Now().Add(-time.Minute), End: time.Now()},
		},
		SLO: slo,
		Indicators: map[string]string{
			"response_time": `avg_over_time(carts_latency_ms{job="$SERVICE-$PROJECT-$STAGE",stage="$STAGE"}[$DURATION_SECONDS])`,
			"errors":        `max(carts_errors_total{job="$SERVICE-$PROJECT-$STAGE"})`,
			"instances":     `carts_up`,
		},
	}
	r := e.Evaluate(context.Background(), req)
	if r.Result != "pass" || r.Score != 100 {
		t.Errorf("healthy service: %s %v %+v", r.Result, r.Score, r.Values)
	}
	if got := r.Values["instances"].Err; !strings.Contains(got, "the query returned 2 series") {
		t.Errorf("informational SLI with two series: %q", got)
	}

	// The service slows down: a warning objective scores half.
	latency.Store(350)
	time.Sleep(2500 * time.Millisecond)
	req.Window = evaluator.Window{Start: time.Now().Add(-2 * time.Second), End: time.Now()}
	r = e.Evaluate(context.Background(), req)
	if r.Objectives[0].Status != "warning" || r.Result != "warning" || r.Score != 75 {
		t.Errorf("slow service: %s %v, objective %s %v", r.Result, r.Score, r.Objectives[0].Status, r.Values["response_time"])
	}

	// A metric that does not exist fails the gate with the reason.
	req.Indicators["errors"] = `max(carts_missing_total)`
	r = e.Evaluate(context.Background(), req)
	if r.Result != "fail" || r.Values["errors"].Err != "no data: the query returned no series" {
		t.Errorf("missing metric: %s %+v", r.Result, r.Values["errors"])
	}
}
