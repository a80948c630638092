package demo

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/promserver"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
)

// actTimeout is how long an act may take at DefaultSpeed.
const actTimeout = 150 * time.Second

// Run sets up the workspace, the repository, Prometheus, the workloads, the
// agent and ferry's loop, then plays the story's three acts, narrating to
// opts.Out. It returns nil only if every act ended as the story says; the
// workspace is kept either way.
func Run(ctx context.Context, opts Options) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	ws := opts.Dir
	if ws == "" {
		var err error
		if ws, err = os.MkdirTemp("", "ferry-demo-"); err != nil {
			return fmt.Errorf("create workspace: %w", err)
		}
	}
	if err := os.MkdirAll(ws, 0o755); err != nil {
		return fmt.Errorf("create workspace: %w", err)
	}
	var uiListener net.Listener
	if opts.UI != "" {
		// Before anything is made: a busy address fails the demo at once.
		var err error
		if uiListener, err = net.Listen("tcp", opts.UI); err != nil {
			return fmt.Errorf("listen for the dashboard: %w", err)
		}
		defer func() { _ = uiListener.Close() }()
	}
	n := &narrator{w: opts.Out, color: opts.Color, start: time.Now()}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	repo := filepath.Join(ws, "sockshop.git")
	ci := filepath.Join(ws, "ci")
	n.say("act", "ferry demo: the Keptn tutorial's story, on an embedded default")
	if err := seed(ctx, repo, ci, opts.Speed); err != nil {
		return fmt.Errorf("seed %s: %w", repo, err)
	}
	n.say("dim", "repository %s seeded from examples/sockshop: carts pinned to 0.11.1", repo)

	prom, err := promserver.Start(promserver.Options{Dir: filepath.Join(ws, "prometheus")})
	if err != nil {
		return fmt.Errorf("start prometheus: %w", err)
	}
	defer func() { _ = prom.Close() }()
	workloads := map[string]*Workload{}
	for _, stage := range stageNames {
		workloads[stage] = NewWorkload(stage)
		defer workloads[stage].Close()
	}
	n.say("dim", "embedded Prometheus at %s scrapes carts in dev, staging and production every second", prom.URL)

	ferry, hooks, err := startFerry(ctx, repo, filepath.Join(ws, "ferry"), prom.URL)
	if err != nil {
		return fmt.Errorf("start ferry: %w", err)
	}
	defer func() { _ = ferry.Close() }()
	board := ""
	if opts.UI != "" {
		stop, url := serveDashboard(ferry, uiListener)
		defer stop()
		board = url
		n.say("dim", "the dashboard shows the story as it happens: %s", board)
	}

	w := &world{
		repo: repo, workloads: workloads, n: n, prom: prom, hooks: hooks,
		seen: map[string]string{}, ledger: map[string]bool{},
	}
	if w.view, err = gitstore.Open(gitstore.Options{URL: repo, Dir: filepath.Join(ws, "agent")}); err != nil {
		return fmt.Errorf("open agent's clone: %w", err)
	}
	defer func() { _ = w.view.Close() }()
	go prom.ScrapeEvery(ctx, time.Second, w.targets)
	go w.drive(ctx)
	go w.agent(ctx)

	within := time.Duration(float64(actTimeout) / opts.Speed)
	if err := w.promote(ctx, within); err != nil {
		return err
	}
	if err := w.block(ctx, within, ci); err != nil {
		return err
	}
	if err := w.remediate(ctx, within); err != nil {
		return err
	}
	w.epilogue()
	if board != "" {
		n.say("act", "The dashboard stays open at %s until you press Ctrl-C", board)
		<-ctx.Done()
	}
	return nil
}

// promote is act 1: the pinned 0.11.1 reaches production.
func (w *world) promote(ctx context.Context, within time.Duration) error {
	w.n.say("act", "Act 1: CI pinned carts 0.11.1; ferry carries it through dev, staging and production")
	if err := w.until(ctx, within, "carts 0.11.1 in production", func() bool { return w.version("production") == "0.11.1" }); err != nil {
		return err
	}
	w.n.say("ok", "carts 0.11.1 runs in production")
	return nil
}

// block is act 2: CI bumps to the slow version, which the staging gate
// stops and ferry rolls back.
func (w *world) block(ctx context.Context, within time.Duration, ci string) error {
	w.n.say("act", "Act 2: CI bumps carts to 0.11.2, which is slow by design")
	if err := bump(ctx, w.repo, ci, SlowVersion); err != nil {
		return fmt.Errorf("bump carts to %s: %w", SlowVersion, err)
	}
	sawSlow := false
	if err := w.until(ctx, within, "0.11.2 blocked in staging and rolled back", func() bool {
		sawSlow = sawSlow || w.version("staging") == SlowVersion
		return sawSlow && w.version("staging") == "0.11.1" && w.rolledBack()
	}); err != nil {
		return err
	}
	if v := w.version("production"); v != "0.11.1" {
		return fmt.Errorf("production runs %s: the slow version got through", v)
	}
	w.n.say("ok", "the staging gate stopped 0.11.2; staging is rolled back to 0.11.1; production untouched")
	return nil
}

// remediate is act 3: load on production raises an alert and ferry's
// remediation closes the problem.
func (w *world) remediate(ctx context.Context, within time.Duration) error {
	w.n.say("act", "Act 3: a load spike in production")
	w.workloads["production"].SetLoad(4)
	go w.alerts(ctx)
	if err := w.until(ctx, within, "the problem closed", w.problemClosed); err != nil {
		return err
	}
	w.n.say("ok", "production is back within its SLO: the problem is closed")
	return nil
}

// epilogue prints the commands to explore the story in Git.
func (w *world) epilogue() {
	w.n.say("act", "The story is in Git. Explore it:")
	for _, c := range []string{
		"git --git-dir " + w.repo + " log --notes=ferry stage/production",
		"git --git-dir " + w.repo + " log --notes=ferry --format='%h %s%n%N' main",
		"git --git-dir " + w.repo + " show ferry/status:STATUS.md",
		"ferry status --repo " + w.repo,
		"ferry history carts --repo " + w.repo,
		"ferry problems --repo " + w.repo,
	} {
		w.n.say("dim", "  %s", c)
	}
}

// startFerry runs ferry's loop and endpoints in process; it returns ferry's
// clone and the base URL of its hooks.
func startFerry(ctx context.Context, repo, state, promURL string) (*gitstore.Store, string, error) {
	s, err := gitstore.Open(gitstore.Options{URL: repo, Dir: state})
	if err != nil {
		return nil, "", err
	}
	q, err := evaluator.NewPrometheus(evaluator.PrometheusOptions{URL: promURL})
	if err != nil {
		_ = s.Close()
		return nil, "", err
	}
	r, err := reconciler.New(reconciler.Options{Store: s, Querier: q, Log: logr.Discard()})
	if err != nil {
		_ = s.Close()
		return nil, "", err
	}
	loop := reconciler.NewLoop(r, 250*time.Millisecond)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = s.Close()
		return nil, "", fmt.Errorf("listen: %w", err)
	}
	srv := ingress.NewServer("", ingress.Handler(loop, ingress.ServerOptions{AlertToken: secret, SignalSecret: secret}))
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() { _ = loop.Run(ctx) }()
	return s, "http://" + ln.Addr().String(), nil
}
