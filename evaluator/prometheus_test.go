package evaluator_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/internal/promserver"
)

// t0 is the end of every test window.
var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func startProm(tb testing.TB, opts promserver.Options) *promserver.Server {
	tb.Helper()
	opts.Dir = tb.TempDir()
	s, err := promserver.Start(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func add(tb testing.TB, s *promserver.Server, at time.Time, value float64, kv ...string) {
	tb.Helper()
	if err := s.Add(promserver.Sample{Labels: labels.FromStrings(kv...), Time: at, Value: value}); err != nil {
		tb.Fatal(err)
	}
}

func querier(tb testing.TB, url string, timeout time.Duration) *evaluator.Prometheus {
	tb.Helper()
	q, err := evaluator.NewPrometheus(evaluator.PrometheusOptions{URL: url, Timeout: timeout})
	if err != nil {
		tb.Fatal(err)
	}
	return q
}

func TestQueryFailureModes(t *testing.T) {
	s := startProm(t, promserver.Options{})
	add(t, s, t0.Add(-time.Minute), 42, "__name__", "one", "job", "a")
	add(t, s, t0.Add(-time.Minute), 1, "__name__", "two", "job", "a")
	add(t, s, t0.Add(-time.Minute), 2, "__name__", "two", "job", "b")
	add(t, s, t0.Add(-time.Minute), math.NaN(), "__name__", "nan", "job", "a")
	q := querier(t, s.URL, 5*time.Second)
	ctx := context.Background()

	if v, err := q.Query(ctx, "one", t0); err != nil || v != 42 {
		t.Errorf("one sample: %v, %v", v, err)
	}
	if v, err := q.Query(ctx, "scalar(one) * 2", t0); err != nil || v != 84 {
		t.Errorf("scalar: %v, %v", v, err)
	}
	tests := map[string]string{
		"missing":         "no data: the query returned no series",
		"two":             `the query returned 2 series (two{job="a"}, two{job="b"}); an SLI query must return exactly one`,
		"nan":             "the query returned NaN, not a number",
		"one[5m]":         "the query returned a range vector; wrap it in a function such as rate() or avg_over_time()",
		"sum(rate(one[":   "prometheus: bad_data: ",
		`"text"`:          "prometheus: bad_response: ",
		"one / on() two":  "prometheus: execution: ",
		"vector(1) / 0":   "the query returned +Inf, not a number",
		"label_replace(":  "prometheus: bad_data: ",
		"absent(nothing)": "",
	}
	for query, want := range tests {
		v, err := q.Query(ctx, query, t0)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", query, err)
		case want == "":
			if v != 1 {
				t.Errorf("%s = %v", query, v)
			}
		case err == nil || !strings.HasPrefix(err.Error(), want):
			t.Errorf("%s: error %v, want %q…", query, err, want)
		}
	}
}

func TestQueryTimeoutAndServerDown(t *testing.T) {
	slow := startProm(t, promserver.Options{Delay: 2 * time.Second})
	q := querier(t, slow.URL, 200*time.Millisecond)
	start := time.Now()
	_, err := q.Query(context.Background(), "vector(1)", t0)
	if err == nil || !strings.Contains(err.Error(), "timed out after 200ms") {
		t.Errorf("slow server: %v", err)
	}
	if time.Since(start) > 1900*time.Millisecond { // the server would answer after 2s
		t.Errorf("the timeout did not cut the query short (%s)", time.Since(start))
	}

	// Port 1 on loopback: nothing listens there, nothing else can take it.
	_, err = querier(t, "http://127.0.0.1:1", time.Second).Query(context.Background(), "vector(1)", t0)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("server down: %v", err)
	}
}

func TestPlaceholders(t *testing.T) {
	ph := evaluator.Placeholders{
		Project: "sockshop", Stage: "staging", Service: "carts", Deployment: "primary",
		Window: evaluator.Window{Start: t0.Add(-5 * time.Minute), End: t0},
		Labels: map[string]string{"owner": "team-a", "app.kubernetes.io/name": "carts"},
		Filter: map[string]string{"handler": "ItemsController.addToCart"},
	}
	got, err := ph.Substitute(`rate(x{job="$SERVICE-$PROJECT-$STAGE-$DEPLOYMENT",h="$handler",o="$LABEL.owner",n="$LABEL.app.kubernetes.io/name"}[$DURATION_SECONDS])`)
	want := `rate(x{job="carts-sockshop-staging-primary",h="ItemsController.addToCart",o="team-a",n="carts"}[300s])`
	if err != nil || got != want {
		t.Errorf("Substitute =\n%s, %v\nwant\n%s", got, err, want)
	}
	if _, err := ph.Substitute(`x{a="$NOPE",b="$LABEL.missing"}`); err == nil || err.Error() != "unknown placeholder $LABEL.missing, $NOPE" {
		t.Errorf("unknown placeholders: %v", err)
	}
}

// addHistogram writes a cumulative histogram whose per-second rates are
// given per bucket, every 10s over the 10 minutes before t0.
func addHistogram(tb testing.TB, s *promserver.Server, job string, perSecond map[string]float64) {
	tb.Helper()
	for i := 0; i <= 60; i++ {
		at := t0.Add(-10 * time.Minute).Add(time.Duration(i) * 10 * time.Second)
		for le, rate := range perSecond {
			add(tb, s, at, rate*float64(i*10), "__name__", "http_response_time_milliseconds_bucket",
				"handler", "ItemsController.addToCart", "job", job, "le", le)
		}
	}
}

// TestKeptnQualityGateOnRealPromQL runs the Keptn onboarding-carts quality
// gate (its SLO and SLI files unchanged) against histogram data in the
// embedded Prometheus.
func TestKeptnQualityGateOnRealPromQL(t *testing.T) {
	s := startProm(t, promserver.Options{})
	// p95 falls at the upper bound of the (200, 400] bucket: 400ms.
	addHistogram(t, s, "carts-sockshop-staging-primary", map[string]float64{"100": 50, "200": 80, "400": 95, "800": 100, "+Inf": 100})
	dir := "../testdata/keptn-examples/examples/onboarding-carts"
	slo := parseSLO(t, read(t, filepath.Join(dir, "slo-quality-gates.yaml")))
	sli, d := evaluator.ParseSLI("sli.yaml", []byte(read(t, filepath.Join(dir, "sli-config-prometheus.yaml"))))
	if sli == nil {
		t.Fatal(d.Diagnostics().Error())
	}
	e := &evaluator.Evaluator{Querier: querier(t, s.URL, 5*time.Second), Now: func() time.Time { return t0 }}
	req := evaluator.Request{
		Placeholders: evaluator.Placeholders{
			Project: "sockshop", Stage: "staging", Service: "carts", Deployment: "primary",
			Window: evaluator.Window{Start: t0.Add(-5 * time.Minute), End: t0},
		},
		SLO: slo, Indicators: sli.Indicators,
	}
	r := e.Evaluate(context.Background(), req)
	if r.Result != "pass" || r.Score != 100 || *r.Objectives[0].Value != 400 {
		t.Fatalf("first evaluation: %s %v, value %v (%+v)", r.Result, r.Score, r.Objectives[0].Value, r.Values)
	}
	if !strings.Contains(r.Queries["response_time_p95"], `job="carts-sockshop-staging-primary"}[300s]`) {
		t.Errorf("query not substituted: %s", r.Queries["response_time_p95"])
	}
	if !r.Objectives[0].Pass[0][0].Skipped {
		t.Errorf("relative criterion without history should be skipped: %+v", r.Objectives[0].Pass[0])
	}

	// Against a previous passing result of 300ms, +10% allows 330: 400 is
	// only a warning (<=800), 50 points of 100: the gate fails.
	req.History = []evaluator.Previous{{ID: "prev", Result: "pass", Score: 100, Values: map[string]evaluator.Value{"response_time_p95": {Value: 300}}}}
	r = e.Evaluate(context.Background(), req)
	if r.Result != "fail" || r.Score != 50 || r.Objectives[0].Status != "warning" || *r.Objectives[0].Pass[0][0].Target != 330 {
		t.Errorf("second evaluation: %s %v %s %+v", r.Result, r.Score, r.Objectives[0].Status, r.Objectives[0].Pass)
	}

	// No data for another deployment: the gate fails, never passes.
	req.Deployment, req.History = "canary", nil
	r = e.Evaluate(context.Background(), req)
	if r.Result != "fail" || r.Values["response_time_p95"].Err != "no data: the query returned no series" {
		t.Errorf("no data: %s %+v", r.Result, r.Values)
	}
}

func TestExamplesThroughPrometheus(t *testing.T) {
	s := startProm(t, promserver.Options{})
	for c, v := range map[string]float64{"1": 10, "2": 16, "4": 1011.07} {
		add(t, s, t0.Add(-30*time.Second), v, "__name__", "ferry_example_m", "case", c)
	}
	e := &evaluator.Evaluator{Querier: querier(t, s.URL, 5*time.Second)}
	tests := []struct {
		c, slo  string
		history []evaluator.Previous
		result  string
		score   float64
	}{
		{"1", sharedSLO, onePassingResult, "pass", 100},
		{"2", sharedSLO, onePassingResult, "fail", 50},
		{"4", "spec_version: '1.0'\nobjectives:\n  - sli: m\n    pass:\n      - criteria: ['<=+20%', '<500']\ntotal_score: {pass: '90%', warning: '75%'}\n", nil, "fail", 0},
		{"5", sharedSLO, onePassingResult, "fail", 0},
	}
	for _, tt := range tests {
		r := e.Evaluate(context.Background(), evaluator.Request{
			Placeholders: evaluator.Placeholders{Window: evaluator.Window{Start: t0.Add(-time.Minute), End: t0}, Filter: map[string]string{"case": tt.c}},
			SLO:          parseSLO(t, tt.slo), Indicators: map[string]string{"m": `ferry_example_m{case="$case"}`}, History: tt.history,
		})
		if r.Result != tt.result || r.Score != tt.score {
			t.Errorf("case %s: %s %v, want %s %v (%+v)", tt.c, r.Result, r.Score, tt.result, tt.score, r.Values)
		}
	}
}

func read(tb testing.TB, p string) string {
	tb.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
