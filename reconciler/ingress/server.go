package ingress

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ferrycd/ferry/event"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// ServerOptions configure ferry's HTTP endpoints.
type ServerOptions struct {
	// ReportTokenFile holds the bearer token of POST /api/v1/reports and
	// POST /api/v1/events. Without one, reports and events are refused.
	ReportTokenFile string
	// WebhookSecretFile holds the secret of the push and pull request
	// webhooks at /hooks/git:
	// GitHub and Gitea sign bodies with it (HMAC-SHA256), GitLab sends it
	// as X-Gitlab-Token, Bitbucket Server signs like GitHub. Without one,
	// webhooks are refused.
	WebhookSecretFile string
	// SignalSecretFile holds the secret of the deploy signal endpoints
	// /hooks/flux and /hooks/argocd: the key of Flux's generic-hmac
	// provider, or a bearer token. Without one, signals are refused.
	SignalSecretFile string
	SignalSecret     string
	// AlertTokenFile holds the bearer token of POST /hooks/alertmanager.
	AlertTokenFile string
	AlertToken     string
	// AlertLabels name the labels of an alert's service, stage and
	// problem type. Default: ferry.yaml's alerts section on main.
	AlertLabels stages.AlertConfig
	// ReportToken and WebhookSecret are the same secrets given as values
	// (from the environment); the files win when both are set.
	ReportToken   string
	WebhookSecret string
	// OnGitHook, when set, is called after every verified delivery to
	// /hooks/git, beside the loop's Trigger: ferry run plans the pull
	// requests into main on it.
	OnGitHook func()
	// UI, when set, serves every path no endpoint claims: ferry run's
	// dashboard.
	UI http.Handler
	// Gatherer serves /metrics. Default the default registry.
	Gatherer prometheus.Gatherer
	// BodyTimeout bounds the reading of a request body, from the end of
	// its headers. Default [DefaultBodyTimeout]. Bodies are bounded per
	// endpoint too: [MaxReportBody], [MaxGitHookBody], [MaxSignalBody]
	// and [MaxAlertBody].
	BodyTimeout time.Duration
}

// Validate fills defaults.
func (o *ServerOptions) Validate() error {
	if o.Gatherer == nil {
		o.Gatherer = prometheus.DefaultGatherer
	}
	if o.BodyTimeout <= 0 {
		o.BodyTimeout = DefaultBodyTimeout
	}
	return nil
}

// Loop is the reconcile loop the endpoints feed: reports are recorded on
// ferry/status before they are acknowledged, then a pass is asked for.
type Loop interface {
	// Record writes a report to ferry/status.
	Record(ctx context.Context, rep *status.Report) error
	// RecordAll writes the reports of one request to ferry/status in one
	// commit (see [status.RecordAll]).
	RecordAll(ctx context.Context, reps []*status.Report) error
	// Trigger asks for a pass soon, without blocking.
	Trigger()
	// Ready reports whether the loop can deliver, and why not.
	Ready() (bool, string)
	// StagePrefix is the branch prefix of the stage branches.
	StagePrefix() string
	// AlertLabels are the alert label names of ferry.yaml on main.
	AlertLabels() stages.AlertConfig
	// Wait returns the task a run waits an answer on (see [event.Find]).
	Wait(run string) (*event.Wait, error)
}

// Handler serves /healthz, /readyz, /metrics, /api/v1/reports, Keptn task
// events at /api/v1/events, the push and pull request
// webhooks at /hooks/git, the deploy signals at /hooks/flux and
// /hooks/argocd, and Alertmanager at /hooks/alertmanager. Request bodies
// are read under opts.BodyTimeout and within each endpoint's limit before
// a handler runs. Serve it with [NewServer].
func Handler(l Loop, opts ServerOptions) http.Handler {
	_ = opts.Validate()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if ok, why := l.Ready(); !ok {
			http.Error(w, "not ready: "+why, http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("POST /api/v1/reports", func(w http.ResponseWriter, r *http.Request) {
		if !bearerOK(r, secretOf(opts.ReportTokenFile, opts.ReportToken)) {
			http.Error(w, "a valid bearer token is required", http.StatusUnauthorized)
			return
		}
		var rep status.Report
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rep); err != nil {
			http.Error(w, "read report: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := rep.Validate(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := l.Record(r.Context(), &rep); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		l.Trigger()
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "recorded\n")
	})
	mux.HandleFunc("POST "+event.Path, eventsHandler(l, func() string { return secretOf(opts.ReportTokenFile, opts.ReportToken) }))
	mux.HandleFunc("POST /hooks/git", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		if !webhookOK(r, body, secretOf(opts.WebhookSecretFile, opts.WebhookSecret)) {
			http.Error(w, "the webhook signature or token does not match", http.StatusUnauthorized)
			return
		}
		// What the push or the pull request event was about does not
		// matter: the pass reads Git, and the forge for the pull
		// requests of waiting proposals (a trigger skips no pass).
		l.Trigger()
		if opts.OnGitHook != nil {
			opts.OnGitHook()
		}
		w.WriteHeader(http.StatusAccepted)
	})
	signal := signalSecrets(opts)
	mux.HandleFunc("POST /hooks/flux", signalHandler(l, signal, fluxSignal))
	mux.HandleFunc("POST /hooks/argocd", signalHandler(l, signal, argoSignal))
	mux.HandleFunc("POST /hooks/alertmanager", alertmanagerHandler(l, func() string { return secretOf(opts.AlertTokenFile, opts.AlertToken) }, opts.AlertLabels))
	if opts.UI != nil {
		mux.Handle("/", opts.UI)
	}
	return withBodies(mux, opts.BodyTimeout)
}

// signatureOK checks an "sha256=<hex>" HMAC of body.
func signatureOK(header string, body []byte, secret string) bool {
	v, ok := strings.CutPrefix(header, "sha256=")
	if !ok || secret == "" {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal([]byte(v), []byte(hex.EncodeToString(mac.Sum(nil))))
}

// secretOf reads a secret from its file (again on every request, so that a
// rotated secret applies at once), else returns the value.
func secretOf(file, value string) string {
	if file == "" {
		return strings.TrimSpace(value)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func bearerOK(r *http.Request, want string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return want != "" && ok && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
