package promserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
)

// AlertRule is an alerting rule as a rule file states it.
type AlertRule struct {
	Name        string
	Expr        string
	For         time.Duration
	Labels      map[string]string
	Annotations map[string]string
}

// Alert is a firing or resolved alert, in Alertmanager's webhook form.
type Alert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt,omitempty"`
	Fingerprint string            `json:"fingerprint"`
}

// Alerter evaluates alerting rules against the server, as Prometheus's
// rule manager does: a rule's series is pending while its expression has
// results, firing once that lasted For, and resolved when it ends.
type Alerter struct {
	S *Server

	mu     sync.Mutex
	active map[string]*Alert // by fingerprint
	since  map[string]time.Time
}

// Evaluate runs every rule at time at and returns the alerts that fire and
// those that just resolved.
func (a *Alerter) Evaluate(ctx context.Context, at time.Time, rules []AlertRule) ([]Alert, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.active == nil {
		a.active, a.since = map[string]*Alert{}, map[string]time.Time{}
	}
	seen := map[string]bool{}
	var out []Alert
	for _, r := range rules {
		q, err := a.S.Engine.NewInstantQuery(ctx, a.S.DB, nil, r.Expr, at)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.Name, err)
		}
		res := q.Exec(ctx)
		q.Close()
		if res.Err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.Name, res.Err)
		}
		vec, _ := res.Value.(promql.Vector)
		for _, smp := range vec {
			lbls := map[string]string{"alertname": r.Name}
			smp.Metric.Range(func(l labels.Label) { lbls[l.Name] = l.Value })
			delete(lbls, "__name__")
			for k, v := range r.Labels {
				lbls[k] = v
			}
			fp := fingerprint(lbls)
			seen[fp] = true
			if _, ok := a.since[fp]; !ok {
				a.since[fp] = at
			}
			if at.Sub(a.since[fp]) < r.For {
				continue // pending
			}
			al, ok := a.active[fp]
			if !ok {
				ann := map[string]string{}
				for k, v := range r.Annotations {
					ann[k] = strings.ReplaceAll(v, "{{ $value }}", fmt.Sprint(smp.F))
				}
				al = &Alert{Status: "firing", Labels: lbls, Annotations: ann, StartsAt: a.since[fp], Fingerprint: fp}
				a.active[fp] = al
			}
			out = append(out, *al)
		}
	}
	for fp, al := range a.active {
		if !seen[fp] {
			resolved := *al
			resolved.Status, resolved.EndsAt = "resolved", at
			out = append(out, resolved)
			delete(a.active, fp)
		}
	}
	for fp := range a.since {
		if !seen[fp] {
			delete(a.since, fp)
		}
	}
	return out, nil
}

func fingerprint(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + l[k] + ";")
	}
	return b.String()
}

// Notify posts alerts to an Alertmanager webhook receiver (version 4
// payload) with a bearer token, as Alertmanager would.
func Notify(ctx context.Context, url, token string, alerts []Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	status := "resolved"
	for _, a := range alerts {
		if a.Status == "firing" {
			status = "firing"
		}
	}
	body, err := json.Marshal(map[string]any{"version": "4", "status": status, "receiver": "ferry", "alerts": alerts})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("alert receiver answered %s", resp.Status)
	}
	return nil
}
