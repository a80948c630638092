package reconciler

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// alertmanagerPayload is the body of Alertmanager's webhook receiver
// (version 4).
type alertmanagerPayload struct {
	Version string `json:"version"`
	Status  string `json:"status"`
	Alerts  []struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		Fingerprint string            `json:"fingerprint"`
	} `json:"alerts"`
}

// AlertLabels name the alert labels that carry a problem's service, stage
// and type (ferry.yaml's alerts: serviceLabel, stageLabel, problemLabel).
type AlertLabels struct {
	Service, Stage, Problem string
}

// alertmanagerHandler records every alert of a webhook as a report: a
// firing alert opens a problem (once), a resolved one marks it.
func alertmanagerHandler(l *Loop, token func() string, fixed AlertLabels) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !bearerOK(r, token()) {
			http.Error(w, "a valid bearer token is required", http.StatusUnauthorized)
			return
		}
		var p alertmanagerPayload
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&p); err != nil {
			http.Error(w, "read alertmanager payload: "+err.Error(), http.StatusBadRequest)
			return
		}
		labels := fixed
		if labels.Service == "" {
			labels = l.R.alertLabels()
		}
		recorded := 0
		for _, a := range p.Alerts {
			rep := &Report{Kind: ReportAlert, Service: a.Labels[labels.Service], Stage: a.Labels[labels.Stage], Task: a.Labels[labels.Problem]}
			if a.Status == "resolved" {
				rep.Kind = ReportAlertResolved
			}
			rep.Message = a.Annotations["summary"]
			if rep.Message == "" {
				rep.Message = rep.Task
			}
			if rep.Validate() != nil {
				continue // not one of ours: no service or stage label
			}
			if err := l.R.Report(r.Context(), rep); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			recorded++
		}
		l.Trigger()
		w.WriteHeader(http.StatusAccepted)
		_, _ = fmt.Fprintf(w, "recorded %d alert(s)\n", recorded)
	}
}

// alertLabels reads the label names from ferry.yaml on main, as the mirror
// last saw it.
func (r *Reconciler) alertLabels() AlertLabels {
	def := AlertLabels{Service: "service", Stage: "stage", Problem: "alertname"}
	snap, err := r.opts.Store.Snapshot()
	if err != nil {
		return def
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	proj, err := r.project(r.opts.Store.Reader, snap.Get(r.opts.Store.MainRef()))
	if err != nil {
		return def
	}
	a := proj.Config.Alerts
	return AlertLabels{Service: a.ServiceLabel, Stage: a.StageLabel, Problem: a.ProblemLabel}
}
