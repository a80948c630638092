package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ferrycd/ferry/fleet"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
)

// runFleet is ferry run --config: the projects of a file in one process,
// each project's endpoints at /hooks/<kind>/<namespace>/<name>.
func (f *runFlags) runFleet(ctx context.Context, stderr io.Writer) error {
	if f.repo.opts.URL != "" || f.forge.Kind != "" || f.prom.URL != "" {
		return usageError("--config names each project's repository, Prometheus and forge: drop --repo, --prometheus-url and --forge")
	}
	if f.repo.opts.Dir == "" {
		return usageError("--state-dir is required: the mirrors survive restarts there")
	}
	data, err := os.ReadFile(f.config)
	if err != nil {
		return usageError("read --config: %v", err)
	}
	projects, diags := fleet.LoadConfig(f.config, data)
	if diags.HasErrors() {
		return &exitError{code: exitUsage, err: diags.Err()}
	}
	log, err := newLogger(stderr, f.logFormat, f.verbose)
	if err != nil {
		return err
	}
	ctx = logr.NewContext(ctx, log)
	reg := processRegistry()
	f.secretsFromEnv()
	f.events.Log = log.WithName("events")
	opts := fleet.Options{
		StateDir: f.repo.opts.Dir, SecretsDir: f.secretsDir, Registerer: reg, Log: log, Server: f.server, Events: f.events, NoUI: f.noUI,
		Reconciler: reconciler.Options{Timeout: f.timeout, Render: f.render, GateWait: f.gateWait, Notifier: f.notifier(ctx, log)},
	}
	sf := f.signing
	sf.keyFile = f.repo.signingKeyFile
	if opts.Signer, err = sf.signer(); err != nil {
		return err
	}
	if opts.Reconciler.Verifier, err = sf.verifier(); err != nil {
		return err
	}
	fl := fleet.New(ctx, opts)
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("listen: %w", err)}
	}
	srv := ingress.NewServer(f.listen, fl.Handler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	srv.RegisterOnShutdown(fl.Dashboard().Close)
	go func() { _ = srv.Serve(ln) }()
	log.Info("ferry is running", "projects", len(projects), "listen", ln.Addr().String(), "dashboard", "http://"+ln.Addr().String()+"/", "stateDir", f.repo.opts.Dir)
	err = fl.Run(ctx, projects)
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	if err != nil && !errors.Is(err, context.Canceled) {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}
