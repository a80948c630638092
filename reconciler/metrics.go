package reconciler

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/status"
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

// NewMetrics registers the loop's metrics.
func NewMetrics(reg prometheus.Registerer) *Metrics {
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

func (m *Metrics) observePass(d time.Duration, res PassResult, err error) {
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
	if res.Pushed {
		m.transitions.Add(float64(res.Transitions))
	}
}

// observePushes counts the pushes of an update: every round but the last
// found a ref moved; the last pushed, pushed nothing, or failed.
func (m *Metrics) observePushes(res gitstore.UpdateResult, err error) {
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

func (m *Metrics) observeEvaluation(stage, result string) {
	if m == nil {
		return
	}
	m.evaluations.WithLabelValues(stage, result).Inc()
}

func (m *Metrics) observeFetch(res gitstore.FetchResult, err error) {
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

func (m *Metrics) observeDeployment(stage string) {
	if m == nil {
		return
	}
	m.deployments.WithLabelValues(stage).Inc()
}

func (m *Metrics) observeQueues(st *status.Branch) {
	if m == nil {
		return
	}
	per := map[string]int{}
	for _, s := range st.Slots {
		per[s.Stage] += len(s.Queue)
	}
	for stage, n := range per {
		m.queued.WithLabelValues(stage).Set(float64(n))
	}
}
