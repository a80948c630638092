package controller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ferrycd/ferry/api/v1alpha1"
	"github.com/ferrycd/ferry/fleet"
	"github.com/ferrycd/ferry/reconciler/ingress"
)

// DefaultLeaderElectionID is the name of the Lease replicas elect a
// leader with.
const DefaultLeaderElectionID = "ferry-controller"

// Options configure the controller.
type Options struct {
	// Config reaches the API server.
	Config *rest.Config
	// Fleet are the projects' shared options; its SecretsDir is ignored:
	// Secrets are kept below StateDir/secrets.
	Fleet fleet.Options
	// LeaderElection makes one replica deliver; LeaderElectionID names its
	// Lease, in LeaderElectionNamespace (default: the in-cluster
	// namespace).
	LeaderElection          bool
	LeaderElectionID        string
	LeaderElectionNamespace string
	// LeaseDuration, RenewDeadline and RetryPeriod tune the election;
	// zero means controller-runtime's defaults (15s, 10s, 2s).
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// WatchLabelSelector limits the Projects this replica reconciles, e.g.
	// "sharding.fluxcd.io/key=a", or "!sharding.fluxcd.io/key" for the
	// main instance of a sharded setup.
	WatchLabelSelector string
	// MetricsBindAddress and HealthProbeBindAddress serve /metrics and
	// /healthz, /readyz; "0" turns them off.
	MetricsBindAddress     string
	HealthProbeBindAddress string
	// Listen serves the projects' webhooks and reports, each at
	// /hooks/<kind>/<namespace>/<name> (see [fleet.Fleet.Handler]).
	Listen string
	Log    logr.Logger
	// Name names the Project controller in logs and metrics; default
	// "project". Managers in one process need distinct names.
	Name string
}

// Run runs the controller until ctx ends.
func Run(ctx context.Context, opts Options) error {
	selector := labels.Everything()
	if opts.WatchLabelSelector != "" {
		var err error
		if selector, err = labels.Parse(opts.WatchLabelSelector); err != nil {
			return fmt.Errorf("parse the watch label selector %q: %w", opts.WatchLabelSelector, err)
		}
	}
	scheme := runtime.NewScheme()
	if err := errors.Join(clientgoscheme.AddToScheme(scheme), v1alpha1.AddToScheme(scheme)); err != nil {
		return err
	}
	mopts := ctrl.Options{
		Scheme: scheme, Logger: opts.Log,
		Cache:                         cache.Options{ByObject: map[client.Object]cache.ByObject{&v1alpha1.Project{}: {Label: selector}}},
		LeaderElection:                opts.LeaderElection,
		LeaderElectionID:              cmp.Or(opts.LeaderElectionID, DefaultLeaderElectionID),
		LeaderElectionNamespace:       opts.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		Metrics:                       metricsserver.Options{BindAddress: cmp.Or(opts.MetricsBindAddress, "0")},
		HealthProbeBindAddress:        cmp.Or(opts.HealthProbeBindAddress, "0"),
	}
	for _, d := range []struct {
		v   time.Duration
		dst **time.Duration
	}{{opts.LeaseDuration, &mopts.LeaseDuration}, {opts.RenewDeadline, &mopts.RenewDeadline}, {opts.RetryPeriod, &mopts.RetryPeriod}} {
		if d.v > 0 {
			*d.dst = &d.v
		}
	}
	mgr, err := ctrl.NewManager(opts.Config, mopts)
	if err != nil {
		return fmt.Errorf("start the manager: %w", err)
	}
	fopts := opts.Fleet
	fopts.SecretsDir = filepath.Join(fopts.StateDir, "secrets")
	fopts.Registerer = metrics.Registry
	fopts.Log = opts.Log
	fl := fleet.New(ctx, fopts)
	defer fl.StopAll()
	r := &ProjectReconciler{Client: mgr.GetClient(), Secrets: mgr.GetAPIReader(), Fleet: fl, SecretsDir: fopts.SecretsDir}
	if err := ctrl.NewControllerManagedBy(mgr).Named(cmp.Or(opts.Name, "project")).For(&v1alpha1.Project{}).Complete(r); err != nil {
		return fmt.Errorf("set up the Project controller: %w", err)
	}
	if err := watchHealth(mgr, fl, cmp.Or(opts.Name, "project")); err != nil {
		return err
	}
	if err := errors.Join(mgr.AddHealthzCheck("ping", healthz.Ping), mgr.AddReadyzCheck("ping", healthz.Ping)); err != nil {
		return err
	}
	if opts.Listen != "" {
		if err := mgr.Add(&hooks{addr: opts.Listen, handler: fl.Handler(promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{})), onShutdown: fl.Dashboard().Close}); err != nil {
			return err
		}
	}
	return mgr.Start(ctx)
}

// hooks serves the projects' endpoints and the dashboard on the leader: a
// standby runs no project, and serves nothing until it leads.
type hooks struct {
	addr       string
	handler    http.Handler
	onShutdown func() // ends the dashboard's event streams
}

var _ manager.LeaderElectionRunnable = (*hooks)(nil)

func (h *hooks) NeedLeaderElection() bool { return true }

func (h *hooks) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", h.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := ingress.NewServer(h.addr, h.handler)
	srv.RegisterOnShutdown(h.onShutdown)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
