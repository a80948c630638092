package ingress

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/fluxcd/pkg/apis/meta"

	"github.com/ferrycd/ferry/status"
)

// Deploy signals: the GitOps agent tells ferry that a stage commit is
// applied, or that applying it failed. A signal names the stage branch and
// a commit; every run of that stage whose deployment commit is that commit
// or one of its ancestors counts as deployed (an agent applies a branch's
// tip, which carries the commits before it).

// Flux reasons that mean the revision is applied and healthy, or failed.
var (
	fluxSucceeded = map[string]bool{
		meta.ReconciliationSucceededReason: true, "InstallSucceeded": true, "UpgradeSucceeded": true,
	}
	fluxFailed = map[string]bool{
		meta.HealthCheckFailedReason: true, meta.ReconciliationFailedReason: true,
		meta.ArtifactFailedReason: true, meta.BuildFailedReason: true,
		"InstallFailed": true, "UpgradeFailed": true, "TestFailed": true,
	}
)

// fluxSignal reads a Flux notification-controller event (generic or
// generic-hmac provider). ok is false for events that say nothing about a
// stage commit (progress, other branches).
func fluxSignal(body []byte, stagePrefix string) (rep *status.Report, ok bool, err error) {
	var ev eventv1.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, false, fmt.Errorf("read flux event: %w", err)
	}
	branch, sha := splitRevision(ev.Metadata[eventv1.MetaRevisionKey])
	stage, isStage := strings.CutPrefix(branch, stagePrefix)
	if sha == "" || !isStage || stage == "" {
		return nil, false, nil
	}
	healthy := true
	switch {
	case fluxFailed[ev.Reason] || ev.Severity == eventv1.EventSeverityError:
		healthy = false
	case fluxSucceeded[ev.Reason]:
	default:
		return nil, false, nil // progressing, suspended, dependency not ready
	}
	msg := fmt.Sprintf("flux %s %s/%s: %s: %s", ev.InvolvedObject.Kind, ev.InvolvedObject.Namespace, ev.InvolvedObject.Name, ev.Reason, firstLineOf(ev.Message))
	return &status.Report{Kind: status.ReportDeployed, Stage: stage, Commit: sha, Healthy: &healthy, Message: msg}, true, nil
}

// splitRevision reads Flux's revision formats: "stage/dev@sha1:<sha>",
// "sha1:<sha>" and the older "stage/dev/<sha>".
func splitRevision(rev string) (branch, sha string) {
	if b, s, ok := strings.Cut(rev, "@"); ok {
		_, sha, _ = strings.Cut(s, ":")
		return b, sha
	}
	if s, ok := strings.CutPrefix(rev, "sha1:"); ok {
		return "", s
	}
	if i := strings.LastIndex(rev, "/"); i > 0 {
		return rev[:i], rev[i+1:]
	}
	return "", ""
}

// ArgoCDPayload is the body ferry's Argo CD notification template sends
// (see docs/signals.md): the application, its target branch, the synced
// revision and the sync and health status.
type ArgoCDPayload struct {
	App          string `json:"app"`
	Branch       string `json:"branch"`
	Revision     string `json:"revision"`
	SyncStatus   string `json:"syncStatus"`
	HealthStatus string `json:"healthStatus"`
	Message      string `json:"message,omitempty"`
}

func argoSignal(body []byte, stagePrefix string) (*status.Report, bool, error) {
	var p ArgoCDPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, false, fmt.Errorf("read argo cd notification: %w", err)
	}
	stage, isStage := strings.CutPrefix(strings.TrimPrefix(p.Branch, "refs/heads/"), stagePrefix)
	if p.Revision == "" || !isStage || stage == "" {
		return nil, false, nil
	}
	healthy := true
	switch {
	case p.HealthStatus == "Degraded" || p.HealthStatus == "Missing" || p.SyncStatus == "OutOfSync" && p.HealthStatus != "Progressing" && p.HealthStatus != "Healthy":
		healthy = false
	case p.SyncStatus == "Synced" && p.HealthStatus == "Healthy":
	default:
		return nil, false, nil // still progressing
	}
	msg := fmt.Sprintf("argo cd application %s: %s, %s", p.App, p.SyncStatus, p.HealthStatus)
	if p.Message != "" {
		msg += ": " + firstLineOf(p.Message)
	}
	return &status.Report{Kind: status.ReportDeployed, Stage: stage, Commit: p.Revision, Healthy: &healthy, Message: msg}, true, nil
}

func firstLineOf(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// signalHandler serves one agent's webhook: authenticated by an HMAC
// signature (X-Signature: sha256=…, Flux's generic-hmac) or a bearer token,
// recorded as a deployed report.
func signalHandler(l Loop, secret func() string, read func([]byte, string) (*status.Report, bool, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		s := secret()
		if !signatureOK(r.Header.Get("X-Signature"), body, s) && !bearerOK(r, s) {
			http.Error(w, "a valid X-Signature or bearer token is required", http.StatusUnauthorized)
			return
		}
		rep, ok, err := read(body, l.StagePrefix())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !ok {
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "ignored: not about a stage commit, or still progressing\n")
			return
		}
		if err := rep.Validate(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := l.Record(r.Context(), rep); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		l.Trigger()
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "recorded\n")
	}
}
