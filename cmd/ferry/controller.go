package main

import (
	"cmp"
	"context"
	"errors"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/ferrycd/ferry/controller"
	"github.com/ferrycd/ferry/fleet"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
	"github.com/ferrycd/ferry/stages/renderer"
)

type controllerFlags struct {
	kubeconfig string
	noUI       bool
	opts       controller.Options
	stateDir   string
	signing    signingFlags
	timeout    time.Duration
	gateWait   time.Duration
	render     renderer.Options
	server     ingress.ServerOptions
	logFormat  string
	verbose    int
}

func newController() *cobra.Command {
	var f controllerFlags
	cmd := &cobra.Command{
		Use:   "controller",
		Short: "Kubernetes mode: deliver the Project objects of a cluster",
		Long: `Controller runs ferry in Kubernetes: it reconciles Project objects
(delivery.ferrycd.io/v1alpha1), each with its own mirror below --state-dir and
the loop of ferry run, and writes back to each Project its conditions, what
each stage runs and what is in flight. Secrets named by a Project are read
from the API server and never logged.

With --leader-elect exactly one replica delivers and a standby takes over
when it stops. With --watch-label-selector a replica reconciles only the
Projects matching it, under a lease of its own: Flux's sharding convention,
sharding.fluxcd.io/key=<shard> for a shard and !sharding.fluxcd.io/key for
the main instance. The projects' webhooks are served on --listen at
/hooks/<kind>/<namespace>/<name>, by the leader.

The Helm chart in charts/ferry installs it (see docs/kubernetes.md).`,
		Example: `  # In a cluster, as the chart runs it
  ferry controller --leader-elect --state-dir /var/lib/ferry

  # A shard, outside the cluster
  ferry controller --kubeconfig ~/.kube/config --state-dir /tmp/ferry \
    --watch-label-selector sharding.fluxcd.io/key=shard1 --leader-election-id ferry-shard1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd.Context(), cmd)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: in-cluster, else $KUBECONFIG, else ~/.kube/config)")
	fs.BoolVar(&f.opts.LeaderElection, "leader-elect", false, "elect a leader: one replica delivers, a standby takes over")
	fs.StringVar(&f.opts.LeaderElectionID, "leader-election-id", controller.DefaultLeaderElectionID, "name of the Lease replicas elect a leader with (one per shard)")
	fs.StringVar(&f.opts.LeaderElectionNamespace, "leader-election-namespace", "", "namespace of the Lease (default: $POD_NAMESPACE, else the in-cluster namespace)")
	fs.StringVar(&f.opts.WatchLabelSelector, "watch-label-selector", "", "reconcile only the Projects matching this label selector, e.g. sharding.fluxcd.io/key=shard1")
	fs.StringVar(&f.stateDir, "state-dir", "", "directory for the projects' mirrors and Secrets' files (required)")
	fs.StringVar(&f.opts.MetricsBindAddress, "metrics-bind-address", ":8081", "address of /metrics (0 turns it off)")
	fs.StringVar(&f.opts.HealthProbeBindAddress, "health-probe-bind-address", ":8082", "address of /healthz and /readyz (0 turns it off)")
	fs.StringVar(&f.opts.Listen, "listen", ":8080", "address of the projects' webhooks and reports")
	fs.BoolVar(&f.noUI, "no-ui", false, "do not serve the dashboard at / beside the webhooks")
	fs.DurationVar(&f.timeout, "timeout", reconciler.DefaultTimeout, "timeout of every wait without one of its own")
	fs.DurationVar(&f.gateWait, "gate-wait", reconciler.DefaultGateWait, "how long a pass waits for quality gates")
	fs.DurationVar(&f.render.Timeout, "render-timeout", renderer.DefaultTimeout, "time limit of rendering one chart")
	fs.Int64Var(&f.render.MaxOutput, "render-max-output", renderer.DefaultMaxOutput, "size limit in bytes of one chart's manifests")
	fs.Int64Var(&f.render.MaxMemory, "render-max-memory", renderer.DefaultMaxMemory, "memory limit in bytes of the process rendering a chart")
	fs.StringVar(&f.server.ReportTokenFile, "report-token-file", "", "file holding the bearer token of the reports and events endpoints")
	fs.StringVar(&f.server.WebhookSecretFile, "webhook-secret-file", "", "file holding the push and pull request webhook secret")
	fs.StringVar(&f.server.SignalSecretFile, "signal-secret-file", "", "file holding the secret of the Flux and Argo CD signal endpoints")
	fs.StringVar(&f.server.AlertTokenFile, "alert-token-file", "", "file holding the bearer token of the Alertmanager endpoint")
	fs.StringVar(&f.signing.keyFile, "signing-key-file", "", signingKeyHelp+"; a project's repository Secret may hold its own under signingKey")
	f.signing.bindVerify(fs)
	fs.CountVarP(&f.verbose, "verbose", "v", "log more (repeat for more)")
	fs.StringVar(&f.logFormat, "log-format", logText, "log format: text or json")
	return cmd
}

func (f *controllerFlags) run(ctx context.Context, cmd *cobra.Command) error {
	if f.stateDir == "" {
		return usageError("--state-dir is required: the mirrors survive restarts there")
	}
	log, err := newLogger(cmd.ErrOrStderr(), f.logFormat, f.verbose)
	if err != nil {
		return err
	}
	ctrllog.SetLogger(log)
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = f.kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if err := os.MkdirAll(f.stateDir, 0o700); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	f.opts.Config, f.opts.Log = cfg, log
	f.opts.LeaderElectionNamespace = cmp.Or(f.opts.LeaderElectionNamespace, os.Getenv("POD_NAMESPACE"))
	f.opts.Fleet = fleet.Options{
		StateDir: f.stateDir, Server: f.server, NoUI: f.noUI,
		Reconciler: reconciler.Options{Timeout: f.timeout, GateWait: f.gateWait, Render: f.render},
	}
	if f.opts.Fleet.Signer, err = f.signing.signer(); err != nil {
		return err
	}
	if f.opts.Fleet.Reconciler.Verifier, err = f.signing.verifier(); err != nil {
		return err
	}
	if err := controller.Run(ctx, f.opts); err != nil && !errors.Is(err, context.Canceled) {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}
