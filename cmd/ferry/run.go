package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/dashboard"
	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/event"
	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/plan"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
	"github.com/ferrycd/ferry/reconciler/metrics"
	"github.com/ferrycd/ferry/reconciler/notify"
	"github.com/ferrycd/ferry/review"
	"github.com/ferrycd/ferry/stages/renderer"
)

type runFlags struct {
	forge        forge.Options
	notifyURL    string
	events       event.Options
	slackURLFile string
	repo         repoFlags
	signing      signingFlags
	prom         evaluator.PrometheusOptions
	listen       string
	noUI         bool
	poll         time.Duration
	timeout      time.Duration
	render       renderer.Options
	gateWait     time.Duration
	server       ingress.ServerOptions
	verbose      int
	logFormat    string
	planPRs      bool
	config       string
	secretsDir   string
}

func newRun() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run --repo URL",
		Short: "Reconcile a project: carry every pin bump through the stages by commits",
		Long: `Run watches a repository and carries every candidate through the stages of its
shipyard by commits to the stage branches, recording everything on ferry/status
and in notes. Passes run on a poll (a ref advertisement; a fetch only when
something moved), on push and pull request webhooks at /hooks/git, on reports at
/api/v1/reports and Keptn task events at /api/v1/events, and when a wait
ends. With --forge it opens pull requests for manual approvals, and keeps
its plan (see ferry plan) as a comment and a ferry/plan commit status on every
open pull request into the main branch. A run that reaches test (without a duration) or an external task is
announced with a sh.keptn.event.<task>.triggered CloudEvent to the
subscriptions of ferry.yaml. It serves /metrics, /healthz and /readyz.

Secrets come from files or the environment: FERRY_GIT_TOKEN (or
--git-token-file), FERRY_REPORT_TOKEN (or --report-token-file),
FERRY_WEBHOOK_SECRET (or --webhook-secret-file), FERRY_SIGNAL_SECRET (or
--signal-secret-file, for Flux and Argo CD at /hooks/flux and /hooks/argocd),
--prometheus-bearer-token-file.`,
		Example: `  # Deliver a project, gating on a Prometheus
  export FERRY_GIT_TOKEN=...
  ferry run --repo https://git.example.com/shop/delivery.git --state-dir /var/lib/ferry \
    --prometheus-url http://prometheus:9090

  # Many projects in one process, their Secrets as files (see docs/kubernetes.md)
  ferry run --config /etc/ferry/projects.yaml --secrets-dir /etc/ferry/secrets --state-dir /var/lib/ferry

  # Open pull requests for manual approvals on GitHub
  ferry run --repo https://github.com/shop/delivery.git --state-dir /var/lib/ferry \
    --forge github --forge-api https://api.github.com --forge-repo shop/delivery --forge-token-file /etc/ferry/github-token`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.config != "" {
				return f.runFleet(cmd.Context(), cmd.ErrOrStderr())
			}
			if f.repo.opts.URL == "" {
				return usageError("--repo or --config is required")
			}
			if f.repo.opts.Dir == "" {
				return usageError("--state-dir is required: the mirror survives restarts there")
			}
			return f.run(cmd.Context(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	f.repo.bind(fs)
	f.repo.bindSigning(fs)
	f.signing.bindVerify(fs)
	fs.StringVar(&f.config, "config", "", "deliver the Project objects of this file (YAML, as kubectl applies them) instead of --repo")
	fs.StringVar(&f.secretsDir, "secrets-dir", "", "with --config: the Secrets the projects name, as files <dir>/<namespace>/<secret>/<key>")
	fs.StringVar(&f.prom.URL, "prometheus-url", "", "Prometheus HTTP API for quality gates")
	fs.StringVar(&f.prom.BearerTokenFile, "prometheus-bearer-token-file", "", "file holding a bearer token for Prometheus")
	fs.StringVar(&f.prom.BasicAuthUser, "prometheus-user", "", "basic auth user for Prometheus")
	fs.StringVar(&f.prom.BasicAuthPasswordFile, "prometheus-password-file", "", "file holding the basic auth password for Prometheus")
	fs.StringVar(&f.prom.CAFile, "prometheus-ca-file", "", "PEM bundle of certificate authorities for Prometheus")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "address of the HTTP endpoints")
	fs.BoolVar(&f.noUI, "no-ui", false, "do not serve the dashboard at / beside the endpoints")
	fs.DurationVar(&f.poll, "poll-interval", 30*time.Second, "how often to ask the remote for its refs")
	fs.DurationVar(&f.timeout, "timeout", reconciler.DefaultTimeout, "timeout of every wait without one of its own")
	fs.DurationVar(&f.render.Timeout, "render-timeout", renderer.DefaultTimeout, "time limit of rendering one chart; a chart over it fails its run")
	fs.Int64Var(&f.render.MaxOutput, "render-max-output", renderer.DefaultMaxOutput, "size limit in bytes of one chart's manifests")
	fs.Int64Var(&f.render.MaxMemory, "render-max-memory", renderer.DefaultMaxMemory, "memory limit in bytes of the process rendering a chart")
	fs.DurationVar(&f.gateWait, "gate-wait", reconciler.DefaultGateWait, "how long a pass waits for quality gates; slower gates are asked again in a later pass")
	fs.StringVar(&f.server.ReportTokenFile, "report-token-file", "", "file holding the bearer token of /api/v1/reports")
	fs.StringVar(&f.server.WebhookSecretFile, "webhook-secret-file", "", "file holding the push webhook secret")
	fs.StringVar(&f.server.SignalSecretFile, "signal-secret-file", "", "file holding the secret of /hooks/flux and /hooks/argocd (HMAC key or bearer token)")
	fs.StringVar(&f.server.AlertTokenFile, "alert-token-file", "", "file holding the bearer token of /hooks/alertmanager (or FERRY_ALERT_TOKEN)")
	fs.StringVar(&f.events.SecretFile, "event-secret-file", "", "file holding the key ferry signs the CloudEvents it sends to ferry.yaml's subscriptions with (X-Ferry-Signature: sha256=<hmac>)")
	fs.StringVar(&f.notifyURL, "notify-webhook-url", "", "post notifications (approval needed or expired, gate failed, rolled back, problem escalated) as JSON to this URL")
	fs.StringVar(&f.slackURLFile, "notify-slack-url-file", "", "file holding a Slack-compatible incoming webhook URL (or FERRY_SLACK_WEBHOOK_URL)")
	bindForge(fs, &f.forge, "open pull requests for manual approvals on this forge: github, gitlab or gitea")
	fs.BoolVar(&f.planPRs, "plan-pull-requests", true, "with --forge, keep ferry's plan as a comment and a ferry/plan commit status on every open pull request into the main branch")
	fs.CountVarP(&f.verbose, "verbose", "v", "log more (repeat for more)")
	fs.StringVar(&f.logFormat, "log-format", logText, "log format: text or json")
	return cmd
}

func (f *runFlags) run(ctx context.Context, stderr io.Writer) error {
	log, err := newLogger(stderr, f.logFormat, f.verbose)
	if err != nil {
		return err
	}
	ctx = logr.NewContext(ctx, log)
	if err := os.MkdirAll(f.repo.opts.Dir, 0o700); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	s, cleanup, err := f.repo.openStore()
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	defer cleanup()
	reg := processRegistry()
	opts := reconciler.Options{Store: s, Timeout: f.timeout, Log: log, Metrics: metrics.New(reg), Render: f.render, GateWait: f.gateWait}
	if opts.Verifier, err = f.signing.verifier(); err != nil {
		return err
	}
	if f.prom.URL != "" {
		q, err := evaluator.NewPrometheus(f.prom)
		if err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		opts.Querier = q
	}
	if n := f.notifier(ctx, log); n != nil {
		opts.Notifier = n
	}
	if f.events.SecretFile != "" {
		if _, err := os.ReadFile(f.events.SecretFile); err != nil {
			return usageError("read --event-secret-file: %v", err)
		}
	}
	f.events.Log = log.WithName("events")
	if opts.Announcer, err = event.NewSender(ctx, f.events); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	var reviewer *review.Reviewer
	if f.forge.Kind != "" {
		c, err := forge.New(f.forge)
		if err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		opts.PullRequests, opts.ForgePoll = c, f.poll
		if f.planPRs {
			reviewer = review.New(review.Options{Store: s, Forge: c, Log: log.WithName("review"), Plan: plan.ForReview(s, plan.Options{RenderLimits: f.render})})
			f.server.OnGitHook = reviewer.Trigger
		}
	}
	r, err := reconciler.New(opts)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	loop := reconciler.NewLoop(r, f.poll)
	f.server.Gatherer = reg
	f.secretsFromEnv()
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("listen: %w", err)}
	}
	dash := localProject(s, forge.WebLinks(f.forge))
	ui := dashboard.New(dashboard.Options{Projects: func() []dashboard.Project { return []dashboard.Project{dash} }, Log: log.WithName("dashboard")})
	if !f.noUI {
		f.server.UI = ui
	}
	srv := ingress.NewServer(f.listen, ingress.Handler(loop, f.server))
	srv.RegisterOnShutdown(ui.Close)
	go func() { _ = srv.Serve(ln) }()
	board := projectURL(ln.Addr(), dash)
	if f.noUI {
		board = "off"
	}
	log.Info("ferry is running", "repo", s.URL(), "listen", ln.Addr().String(), "dashboard", board, "stateDir", filepath.Clean(f.repo.opts.Dir))
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var reviewing sync.WaitGroup
	if reviewer != nil {
		reviewing.Go(func() { reviewer.Run(ctx, f.poll) })
	}
	err = loop.Run(ctx)
	stop()
	reviewing.Wait() // before the mirror closes
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	if err != nil && !errors.Is(err, context.Canceled) {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}

// processRegistry is a registry with the Go runtime's and the process's
// metrics.
func processRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// secretsFromEnv takes the endpoints' secrets given in the environment;
// the files of the flags win where both are set.
func (f *runFlags) secretsFromEnv() {
	f.server.ReportToken = os.Getenv("FERRY_REPORT_TOKEN")
	f.server.WebhookSecret = os.Getenv("FERRY_WEBHOOK_SECRET")
	f.server.SignalSecret = os.Getenv("FERRY_SIGNAL_SECRET")
	f.server.AlertToken = os.Getenv("FERRY_ALERT_TOKEN")
}

// notifier starts the notification webhooks, if any are configured.
func (f *runFlags) notifier(ctx context.Context, log logr.Logger) notify.Notifier {
	slack := os.Getenv("FERRY_SLACK_WEBHOOK_URL")
	if f.slackURLFile != "" {
		if b, err := os.ReadFile(f.slackURLFile); err == nil {
			slack = strings.TrimSpace(string(b))
		} else {
			log.Error(err, "read the slack webhook url file")
		}
	}
	if f.notifyURL == "" && slack == "" {
		return nil
	}
	opts := notify.Options{WebhookURL: f.notifyURL, SlackURL: slack, Log: log}
	if err := opts.Validate(); err != nil {
		log.Error(err, "notifications are off")
		return nil
	}
	return notify.NewWebhook(ctx, opts)
}

// Log formats of long-running commands.
const (
	logText = "text"
	logJSON = "json"
)

// newLogger returns a logger writing lines of text (time, message, key/value
// pairs) or JSON objects to w.
func newLogger(w io.Writer, format string, verbosity int) (logr.Logger, error) {
	opts := funcr.Options{Verbosity: verbosity, LogTimestamp: true, TimestampFormat: time.RFC3339}
	write := func(prefix, args string) {
		if prefix != "" {
			args = prefix + " " + args
		}
		_, _ = fmt.Fprintln(w, args)
	}
	switch format {
	case logText:
		return funcr.New(write, opts), nil
	case logJSON:
		return funcr.NewJSON(func(obj string) { _, _ = fmt.Fprintln(w, obj) }, opts), nil
	}
	return logr.Discard(), usageError("--log-format must be %s or %s", logText, logJSON)
}
