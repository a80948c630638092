package ingress

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
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

// Flux events that say a Kustomization applied a revision and found it
// healthy, or failed to. kustomize-controller reports a passed health check
// under the reason of its Ready condition at that moment, which is still
// Progressing: it is told by its message ("Health check passed in 2.1s").
// Other Progressing events (the change set of an apply, a canceled health
// check) are not an outcome. ReconciliationSucceeded ("Reconciliation
// finished …") follows every successful pass; notification-controller 1.8
// does not forward it to generic providers, 1.9 does again.
var (
	fluxSucceeded = map[string]bool{meta.ReconciliationSucceededReason: true}
	fluxFailed    = map[string]bool{
		meta.HealthCheckFailedReason: true, meta.ReconciliationFailedReason: true,
		meta.ArtifactFailedReason: true, meta.BuildFailedReason: true,
	}
)

// fluxHealthCheckPassed starts the message of kustomize-controller's event
// for a passed health check.
const fluxHealthCheckPassed = "Health check passed"

// fluxSignal reads a Flux notification-controller event (generic or
// generic-hmac provider). It returns why it ignores events that say nothing
// about a stage commit: progress, other branches, and objects other than
// Kustomizations (a HelmRelease's revision is a chart version, which names
// no stage commit).
func fluxSignal(body []byte, stagePrefix string) ([]*status.Report, string, error) {
	var ev eventv1.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, "", fmt.Errorf("read flux event: %w", err)
	}
	if ev.InvolvedObject.Kind != "Kustomization" {
		return nil, fmt.Sprintf("a %s event names no stage commit; only Kustomizations signal", ev.InvolvedObject.Kind), nil
	}
	branch, sha := splitRevision(ev.Metadata[eventv1.MetaRevisionKey])
	stage := stageOf(branch, stagePrefix)
	if stage == "" || sha == "" {
		return nil, notAStageCommit, nil
	}
	healthy := true
	switch {
	case fluxFailed[ev.Reason] || ev.Severity == eventv1.EventSeverityError:
		healthy = false
	case fluxSucceeded[ev.Reason]:
	case ev.Reason == meta.ProgressingReason && strings.HasPrefix(ev.Message, fluxHealthCheckPassed):
	default:
		return nil, stillProgressing, nil // applied but not checked, dependency not ready, suspended
	}
	msg := fmt.Sprintf("flux %s %s/%s: %s: %s", ev.InvolvedObject.Kind, ev.InvolvedObject.Namespace, ev.InvolvedObject.Name, ev.Reason, firstLineOf(ev.Message))
	return []*status.Report{{Kind: status.ReportDeployed, Stage: stage, Commit: sha, Healthy: &healthy, Message: msg}}, "", nil
}

// Why a signal is ignored.
const (
	notAStageCommit  = "not about a stage commit"
	stillProgressing = "still progressing"
)

// stageOf returns the stage of a stage branch (a short or a full ref
// name), or "".
func stageOf(branch, stagePrefix string) string {
	stage, ok := strings.CutPrefix(strings.TrimPrefix(branch, "refs/heads/"), stagePrefix)
	if !ok {
		return ""
	}
	return stage
}

// splitRevision reads Flux's revision formats: "stage/dev@sha1:<sha>",
// "refs/heads/stage/dev@sha1:<sha>" (a GitRepository with ref.name),
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
// (see docs/approvals-and-signals.md): the application, the branch and the
// synced revision of its source (Branch and Revision), or of each of its
// sources (Branches and Revisions, by index, for an application with
// several), the phase of its last operation, and its sync and health
// status.
type ArgoCDPayload struct {
	App          string   `json:"app"`
	Branch       string   `json:"branch,omitempty"`
	Revision     string   `json:"revision,omitempty"`
	Branches     []string `json:"branches,omitempty"`
	Revisions    []string `json:"revisions,omitempty"`
	Phase        string   `json:"phase,omitempty"`
	SyncStatus   string   `json:"syncStatus"`
	HealthStatus string   `json:"healthStatus"`
	Message      string   `json:"message,omitempty"`
}

// argoSignal reads an Argo CD notification: one report for each source of
// the application that tracks a stage branch.
func argoSignal(body []byte, stagePrefix string) ([]*status.Report, string, error) {
	var p ArgoCDPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, "", fmt.Errorf("read argo cd notification: %w", err)
	}
	healthy := true
	switch {
	case p.Phase == "Error" || p.Phase == "Failed" || p.HealthStatus == "Degraded" || p.HealthStatus == "Missing":
		healthy = false
	case p.HealthStatus == "Healthy" && (p.Phase == "Succeeded" || p.SyncStatus == "Synced"):
	default:
		return nil, stillProgressing, nil
	}
	msg := fmt.Sprintf("argo cd application %s: %s, %s", p.App, p.SyncStatus, p.HealthStatus)
	if p.Message != "" {
		msg += ": " + firstLineOf(p.Message)
	}
	branches, revisions := append([]string{p.Branch}, p.Branches...), append([]string{p.Revision}, p.Revisions...)
	var reps []*status.Report
	for i, b := range branches {
		stage := stageOf(b, stagePrefix)
		if stage == "" || i >= len(revisions) || revisions[i] == "" {
			continue
		}
		reps = append(reps, &status.Report{Kind: status.ReportDeployed, Stage: stage, Commit: revisions[i], Healthy: &healthy, Message: msg})
	}
	if len(reps) == 0 {
		return nil, notAStageCommit, nil
	}
	return reps, "", nil
}

func firstLineOf(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// signalHandler serves one agent's webhook: authenticated by an HMAC
// signature (X-Signature: sha256=…, Flux's generic-hmac) or a bearer token,
// recorded as deployed reports.
func signalHandler(l Loop, secrets func() (trimmed, raw string), read func([]byte, string) ([]*status.Report, string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		s, raw := secrets()
		sig := r.Header.Get("X-Signature")
		if !signatureOK(sig, body, s) && !signatureOK(sig, body, raw) && !bearerOK(r, s) {
			http.Error(w, "a valid X-Signature or bearer token is required", http.StatusUnauthorized)
			return
		}
		reps, ignored, err := read(body, l.StagePrefix())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if len(reps) == 0 {
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "ignored: "+ignored+"\n")
			return
		}
		for _, rep := range reps {
			if err := rep.Validate(); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		if err := l.RecordAll(r.Context(), reps); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		l.Trigger()
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "recorded\n")
	}
}

// signalSecrets returns the signal secret with white space around it
// removed, and as stored. notification-controller 1.3 and later sign with
// the token of the provider's Secret trimmed; earlier versions signed with
// the bytes as stored, a trailing newline included. Both are accepted, so
// that one file can feed ferry and the Kubernetes Secret.
func signalSecrets(opts ServerOptions) func() (trimmed, raw string) {
	return func() (string, string) {
		raw := opts.SignalSecret
		if opts.SignalSecretFile != "" {
			b, err := os.ReadFile(opts.SignalSecretFile)
			if err != nil {
				return "", ""
			}
			raw = string(b)
		}
		if strings.TrimSpace(raw) == "" {
			return "", ""
		}
		return strings.TrimSpace(raw), raw
	}
}
