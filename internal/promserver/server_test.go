package promserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/internal/promserver"
)

// TestScrapeAndQuery scrapes a target that client_golang serves and
// answers PromQL over it through the HTTP API, as Prometheus would.
func TestScrapeAndQuery(t *testing.T) {
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounter(prometheus.CounterOpts{Name: "http_requests_total"})
	latency := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "http_response_time_milliseconds", Buckets: []float64{100, 200, 400, 800}})
	replicas := prometheus.NewGauge(prometheus.GaugeOpts{Name: "replicas"})
	reg.MustRegister(requests, latency, replicas)
	target := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer target.Close()

	s, err := promserver.Start(promserver.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	tgt := promserver.Target{URL: target.URL, Job: "carts-sockshop-dev", Instance: "carts:8080"}
	t0 := time.Now().Add(-time.Minute).Truncate(time.Second)
	for i := range 7 {
		for range 10 {
			requests.Inc()
			latency.Observe(150) // every request in the (100, 200] bucket
		}
		replicas.Set(3)
		if err := s.Scrape(context.Background(), tgt, t0.Add(time.Duration(i)*10*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	q, err := evaluator.NewPrometheus(evaluator.PrometheusOptions{URL: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	at := t0.Add(60 * time.Second)
	for query, want := range map[string]float64{
		`sum(rate(http_requests_total{job="carts-sockshop-dev"}[1m]))`:                                                     1,
		`histogram_quantile(0.5, sum by(le) (rate(http_response_time_milliseconds_bucket{job="carts-sockshop-dev"}[1m])))`: 150,
		`replicas{instance="carts:8080"}`: 3,
		`up{job="carts-sockshop-dev"}`:    1,
	} {
		got, err := q.Query(context.Background(), query, at)
		if err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", query, got, err, want)
		}
	}
	target.Close()
	if err := s.Scrape(context.Background(), tgt, at.Add(10*time.Second)); err == nil {
		t.Error("scraping a stopped target succeeded")
	}
	if got, err := q.Query(context.Background(), `up{job="carts-sockshop-dev"}`, at.Add(10*time.Second)); err != nil || got != 0 {
		t.Errorf("up after a failed scrape = %v, %v", got, err)
	}
}

// TestAlerterFiresAfterForAndResolves evaluates a rule like Prometheus's
// rule manager and posts the alerts to a webhook as Alertmanager does.
func TestAlerterFiresAfterForAndResolves(t *testing.T) {
	s, err := promserver.Start(promserver.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	for i := range 20 {
		v := 900.0
		if i >= 12 {
			v = 100
		}
		if err := s.Add(promserver.Sample{Labels: labels.FromStrings("__name__", "latency_ms", "stage", "production"), Time: t0.Add(time.Duration(i) * time.Second), Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	rule := promserver.AlertRule{
		Name: "response_time", Expr: `max_over_time(latency_ms[2s]) > 500`, For: 3 * time.Second,
		Labels: map[string]string{"service": "carts"}, Annotations: map[string]string{"summary": "latency is {{ $value }}"},
	}
	a := &promserver.Alerter{S: s}
	var states []string
	for i := range 20 {
		alerts, err := a.Evaluate(context.Background(), t0.Add(time.Duration(i)*time.Second), []promserver.AlertRule{rule})
		if err != nil {
			t.Fatal(err)
		}
		st := "-"
		if len(alerts) == 1 {
			st = alerts[0].Status[:1]
			if alerts[0].Labels["service"] != "carts" || alerts[0].Labels["stage"] != "production" || alerts[0].Annotations["summary"] != "latency is 900" {
				t.Errorf("alert %+v", alerts[0])
			}
		}
		states = append(states, st)
	}
	// pending for 3s, firing until the data drops (plus the 2s window), resolved once.
	if got := strings.Join(states, ""); got != "---ffffffffffr------" {
		t.Errorf("states %s", got)
	}

	var got map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hook.Close()
	if err := promserver.Notify(context.Background(), hook.URL, "tok", []promserver.Alert{{Status: "firing", Labels: map[string]string{"alertname": "x"}}}); err != nil {
		t.Fatal(err)
	}
	if got["version"] != "4" || got["status"] != "firing" {
		t.Errorf("payload %v", got)
	}
}
