package demo

import (
	"math"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// SlowVersion is slow by design: its latency fails the staging gate.
const SlowVersion = "0.11.2"

// Workload is one stage's carts: it serves /metrics for the scrape and
// takes requests from the load driver, answering with the latency its
// version, replica count and load give.
type Workload struct {
	Stage string
	URL   string

	mu       sync.Mutex
	version  string
	replicas int
	cache    bool
	load     float64

	requests *prometheus.CounterVec
	latency  prometheus.Histogram
	srv      *httptest.Server
}

// NewWorkload starts a workload for a stage.
func NewWorkload(stage string) *Workload {
	w := &Workload{
		Stage: stage, load: 1,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total", Help: "Requests."}, []string{"status"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "http_response_time_milliseconds", Help: "Latency.",
			Buckets: []float64{50, 100, 200, 300, 400, 500, 600, 800, 1000, 1500, 2000},
		}),
	}
	w.requests.WithLabelValues("500") // errors start at zero, not absent
	reg := prometheus.NewRegistry()
	reg.MustRegister(w.requests, w.latency)
	w.srv = httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	w.URL = w.srv.URL + "/metrics"
	return w
}

// Close stops the workload.
func (w *Workload) Close() { w.srv.Close() }

// Apply sets what the stage branch deploys.
func (w *Workload) Apply(version string, replicas int, cache bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.version, w.replicas, w.cache = version, replicas, cache
}

// SetLoad multiplies the load (1 is normal).
func (w *Workload) SetLoad(load float64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.load = load
}

// Deployed reports whether something runs.
func (w *Workload) Deployed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.replicas > 0
}

// LatencyMS is the latency a request sees now: 180ms per unit of load and
// replica, 900ms for the slow version, less with the item cache on.
func (w *Workload) LatencyMS() float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.replicas == 0 {
		return 0
	}
	base := 180.0
	if strings.HasSuffix(w.version, SlowVersion) {
		base = 900
	}
	l := base * w.load / float64(w.replicas)
	if w.cache {
		l *= 0.6
	}
	return math.Max(l, 40)
}

// Serve answers n requests (the load driver's), recording them.
func (w *Workload) Serve(n int) {
	if !w.Deployed() {
		return
	}
	l := w.LatencyMS()
	for range n {
		w.requests.WithLabelValues("200").Inc()
		w.latency.Observe(l)
	}
}
