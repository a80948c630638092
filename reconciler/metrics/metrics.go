package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferrycd/ferry/gitstore"
)

// Metrics are the loop's Prometheus metrics. A nil *Metrics records
// nothing. Labels are bounded: results and stage names, never a SHA.
type Metrics struct {
	passDuration *prometheus.HistogramVec
	transitions  prometheus.Counter
	evaluations  *prometheus.CounterVec
	pushes       *prometheus.CounterVec
	pushBytes    prometheus.Counter
	gitUp        prometheus.Gauge
	fetches      *prometheus.CounterVec
	deployments  *prometheus.CounterVec
	queued       *prometheus.GaugeVec
}

// New registers the loop's metrics.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		passDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ferry_reconciler_pass_duration_seconds", Help: "Duration of reconcile passes.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
		}, []string{"result"}),
		transitions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ferry_reconciler_transitions_total", Help: "Run transitions pushed.",
		}),
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_evaluator_evaluations_total", Help: "Quality gate evaluations by stage and verdict.",
		}, []string{"stage", "result"}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_gitstore_pushes_total", Help: "Pushes by outcome: ok, stale, error.",
		}, []string{"result"}),
		pushBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ferry_gitstore_push_bytes_total", Help: "Bytes of packs pushed.",
		}),
		gitUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ferry_gitstore_remote_up", Help: "1 when the last fetch reached the remote.",
		}),
	}
	m.fetches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ferry_gitstore_fetches_total", Help: "Fetches by outcome: idle (no ref moved), transferred, moved (refs only), error.",
	}, []string{"result"})
	m.deployments = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ferry_reconciler_promotions_total", Help: "Deployment commits by stage.",
	}, []string{"stage"})
	m.queued = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ferry_reconciler_queue_length", Help: "Runs waiting to start, by stage.",
	}, []string{"stage"})
	reg.MustRegister(m.passDuration, m.transitions, m.evaluations, m.pushes, m.pushBytes, m.gitUp, m.fetches, m.deployments, m.queued)
	return m
}

// ObservePass records a pass: its duration, outcome and transitions pushed.
func (m *Metrics) ObservePass(d time.Duration, pushed bool, transitions int, err error) {
	if m == nil {
		return
	}
	result := "ok"
	switch {
	case err != nil:
		result = "error"
		if gitstore.IsTransient(err) {
			m.gitUp.Set(0)
		}
	default:
		m.gitUp.Set(1)
	}
	m.passDuration.WithLabelValues(result).Observe(d.Seconds())
	if pushed {
		m.transitions.Add(float64(transitions))
	}
}

// ObserveUpdate counts the fetches and pushes of a pass's update: a round
// that could not fetch counts as a fetch error.
func (m *Metrics) ObserveUpdate(res gitstore.UpdateResult, err error) {
	for _, fr := range res.Fetches {
		m.ObserveFetch(fr, nil)
	}
	if err != nil && len(res.Fetches) < res.Attempts {
		m.ObserveFetch(gitstore.FetchResult{}, err)
	}
	m.ObservePushes(res, err)
}

// ObservePushes counts the pushes of an update: every round but the last
// found a ref moved; the last pushed, pushed nothing, or failed.
func (m *Metrics) ObservePushes(res gitstore.UpdateResult, err error) {
	if m == nil {
		return
	}
	m.pushes.WithLabelValues("stale").Add(float64(max(res.Attempts-1, 0)))
	switch {
	case err == nil && res.Pushed():
		m.pushes.WithLabelValues("ok").Inc()
		m.pushBytes.Add(float64(res.Push.Bytes))
	case gitstore.IsStale(err):
		m.pushes.WithLabelValues("stale").Inc()
	case err != nil && len(res.Fetches) == res.Attempts:
		m.pushes.WithLabelValues("error").Inc()
	}
}

// ObserveEvaluation counts a quality gate verdict.
func (m *Metrics) ObserveEvaluation(stage, result string) {
	if m == nil {
		return
	}
	m.evaluations.WithLabelValues(stage, result).Inc()
}

// ObserveFetch counts a fetch by what it found.
func (m *Metrics) ObserveFetch(res gitstore.FetchResult, err error) {
	if m == nil {
		return
	}
	switch {
	case err != nil:
		m.fetches.WithLabelValues("error").Inc()
		if gitstore.IsTransient(err) {
			m.gitUp.Set(0)
		}
		return
	case res.Transferred:
		m.fetches.WithLabelValues("transferred").Inc()
	case len(res.Moved) > 0:
		m.fetches.WithLabelValues("moved").Inc()
	default:
		m.fetches.WithLabelValues("idle").Inc()
	}
	m.gitUp.Set(1)
}

// ObserveDeployment counts a deployment commit.
func (m *Metrics) ObserveDeployment(stage string) {
	if m == nil {
		return
	}
	m.deployments.WithLabelValues(stage).Inc()
}

// ObserveQueues sets the runs waiting per stage.
func (m *Metrics) ObserveQueues(perStage map[string]int) {
	if m == nil {
		return
	}
	for stage, n := range perStage {
		m.queued.WithLabelValues(stage).Set(float64(n))
	}
}
