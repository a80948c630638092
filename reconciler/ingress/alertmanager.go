package ingress

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
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

// alertmanagerHandler records the alerts of a webhook as reports, all in
// one commit: a firing alert opens a problem (once), a resolved one marks
// it. Alerts without the service, stage or problem label are not ferry's
// and are skipped.
func alertmanagerHandler(l Loop, token func() string, fixed stages.AlertConfig) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !bearerOK(r, token()) {
			http.Error(w, "a valid bearer token is required", http.StatusUnauthorized)
			return
		}
		var p alertmanagerPayload
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, "read alertmanager payload: "+err.Error(), http.StatusBadRequest)
			return
		}
		labels := fixed
		if labels.ServiceLabel == "" {
			labels = l.AlertLabels()
		}
		var reps []*status.Report
		for _, a := range p.Alerts {
			rep := &status.Report{Kind: status.ReportAlert, Service: a.Labels[labels.ServiceLabel], Stage: a.Labels[labels.StageLabel], Task: a.Labels[labels.ProblemLabel]}
			if a.Status == "resolved" {
				rep.Kind = status.ReportAlertResolved
			}
			rep.Message = a.Annotations["summary"]
			if rep.Message == "" {
				rep.Message = rep.Task
			}
			if rep.Validate() != nil {
				continue // not one of ours: no service or stage label
			}
			reps = append(reps, rep)
		}
		if len(reps) > 0 {
			if err := l.RecordAll(r.Context(), reps); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			l.Trigger()
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = fmt.Fprintf(w, "recorded %d alert(s)\n", len(reps))
	}
}
