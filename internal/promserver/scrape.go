package promserver

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

// Target is a scrape target: its /metrics URL and the job and instance
// labels its samples get, as Prometheus sets them.
type Target struct {
	URL, Job, Instance string
}

// Scrape reads one target's metrics (Prometheus text format) and stores
// them at time at, with the job and instance labels and an "up" series.
func (s *Server) Scrape(ctx context.Context, t Target, at time.Time) error {
	samples, err := scrapeSamples(ctx, t, at)
	up := 1.0
	if err != nil {
		up, samples = 0, nil
	}
	samples = append(samples, Sample{Labels: labels.FromStrings("__name__", "up", "job", t.Job, "instance", t.Instance), Time: at, Value: up})
	if aerr := s.Add(samples...); aerr != nil {
		return aerr
	}
	return err
}

// ScrapeEvery scrapes the targets every interval until ctx ends.
func (s *Server) ScrapeEvery(ctx context.Context, interval time.Duration, targets func() []Target) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		now := time.Now()
		for _, t := range targets() {
			_ = s.Scrape(ctx, t, now) // a failed scrape is recorded as up 0
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func scrapeSamples(ctx context.Context, t Target, at time.Time) ([]Sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: %s", t.URL, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", t.URL, err)
	}
	var out []Sample
	for name, mf := range families {
		for _, m := range mf.GetMetric() {
			base := map[string]string{"job": t.Job, "instance": t.Instance}
			for _, lp := range m.GetLabel() {
				base[lp.GetName()] = lp.GetValue()
			}
			out = append(out, expand(name, mf.GetType(), m, base, at)...)
		}
	}
	return out, nil
}

// expand turns one metric into the series Prometheus stores for it.
func expand(name string, typ dto.MetricType, m *dto.Metric, base map[string]string, at time.Time) []Sample {
	series := func(n string, v float64, extra ...string) Sample {
		b := labels.NewBuilder(labels.FromMap(base))
		b.Set("__name__", n)
		for i := 0; i+1 < len(extra); i += 2 {
			b.Set(extra[i], extra[i+1])
		}
		return Sample{Labels: b.Labels(), Time: at, Value: v}
	}
	switch typ {
	case dto.MetricType_COUNTER:
		return []Sample{series(name, m.GetCounter().GetValue())}
	case dto.MetricType_GAUGE:
		return []Sample{series(name, m.GetGauge().GetValue())}
	case dto.MetricType_HISTOGRAM:
		h := m.GetHistogram()
		out := []Sample{series(name+"_sum", h.GetSampleSum()), series(name+"_count", float64(h.GetSampleCount()))}
		inf := false
		for _, b := range h.GetBucket() {
			le := fmt.Sprint(b.GetUpperBound())
			if math.IsInf(b.GetUpperBound(), 1) {
				le, inf = "+Inf", true
			}
			out = append(out, series(name+"_bucket", float64(b.GetCumulativeCount()), "le", le))
		}
		if !inf {
			out = append(out, series(name+"_bucket", float64(h.GetSampleCount()), "le", "+Inf"))
		}
		return out
	case dto.MetricType_SUMMARY:
		sm := m.GetSummary()
		out := []Sample{series(name+"_sum", sm.GetSampleSum()), series(name+"_count", float64(sm.GetSampleCount()))}
		for _, q := range sm.GetQuantile() {
			out = append(out, series(name, q.GetValue(), "quantile", fmt.Sprint(q.GetQuantile())))
		}
		return out
	}
	return []Sample{series(name, m.GetUntyped().GetValue())}
}
