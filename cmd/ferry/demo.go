package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/examples"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/demo"
	"github.com/ferrycd/ferry/internal/promserver"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
	"github.com/ferrycd/ferry/remediator"
)

// demoSecret authenticates the demo's reports and alerts to ferry.
const demoSecret = "demo"

type demoFlags struct {
	dir     string
	speed   float64
	noColor bool
}

func newDemo() *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Play the Keptn tutorial's story on an embedded default: nothing to install, no cluster",
		Long: `Demo creates a Git repository seeded with the sockshop example, starts an
embedded Prometheus (the real TSDB and PromQL engine) that scrapes in-process
workloads and evaluates the alert rules ferry generates, a stand-in sync agent
that deploys each stage branch to those workloads, and ferry's real loop. Then
it plays the story: carts 0.11.1 is promoted to production; 0.11.2 is slow,
blocked by the staging gate and rolled back; a load spike in production raises
an alert, ferry scales carts up and the problem closes. It exits 0 only if all
of that happened.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.speed <= 0 {
				return usageError("--speed must be positive")
			}
			if err := f.run(cmd.Context(), cmd.OutOrStdout()); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&f.dir, "dir", "", "workspace to create and keep (default: a new temporary directory, also kept)")
	cmd.Flags().Float64Var(&f.speed, "speed", 1, "compress the story's waits by this factor")
	cmd.Flags().BoolVar(&f.noColor, "no-color", false, "no colours in the narration")
	return cmd
}

// narrator prints the story.
type narrator struct {
	w     io.Writer
	color bool
	mu    sync.Mutex
	start time.Time
}

func (n *narrator) say(style, format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	codes := map[string]string{"act": "1;36", "commit": "33", "ok": "32", "bad": "31", "dim": "2"}
	if n.color && codes[style] != "" {
		msg = "\x1b[" + codes[style] + "m" + msg + "\x1b[0m"
	}
	_, _ = fmt.Fprintf(n.w, "%5.1fs  %s\n", time.Since(n.start).Seconds(), msg)
}

func (f *demoFlags) run(ctx context.Context, out io.Writer) error {
	ws := f.dir
	if ws == "" {
		var err error
		if ws, err = os.MkdirTemp("", "ferry-demo-"); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(ws, 0o755); err != nil {
		return err
	}
	n := &narrator{w: out, color: !f.noColor && isTerminal(out), start: time.Now()}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	repo := filepath.Join(ws, "sockshop.git")
	n.say("act", "ferry demo: the Keptn tutorial's story, on an embedded default")
	if err := f.seed(ctx, repo, filepath.Join(ws, "ci")); err != nil {
		return err
	}
	n.say("dim", "repository %s seeded from examples/sockshop: carts pinned to 0.11.1", repo)

	prom, err := promserver.Start(promserver.Options{Dir: filepath.Join(ws, "prometheus")})
	if err != nil {
		return err
	}
	defer func() { _ = prom.Close() }()
	workloads := map[string]*demo.Workload{}
	for _, stage := range []string{"dev", "staging", "production"} {
		workloads[stage] = demo.NewWorkload(stage)
		defer workloads[stage].Close()
	}
	n.say("dim", "embedded Prometheus at %s scrapes carts in dev, staging and production every second", prom.URL)

	ferry, hooks, err := startFerry(ctx, repo, filepath.Join(ws, "ferry"), prom.URL)
	if err != nil {
		return err
	}
	defer func() { _ = ferry.Close() }()

	w := &world{repo: repo, workloads: workloads, n: n, prom: prom, hooks: hooks, seen: map[string]string{}, ledger: map[string]bool{}}
	if w.view, err = gitstore.Open(gitstore.Options{URL: repo, Dir: filepath.Join(ws, "agent")}); err != nil {
		return err
	}
	defer func() { _ = w.view.Close() }()
	go prom.ScrapeEvery(ctx, time.Second, w.targets)
	go w.drive(ctx)
	go w.agent(ctx)

	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / f.speed) }
	n.say("act", "Act 1: CI pinned carts 0.11.1; ferry carries it through dev, staging and production")
	if err := w.until(ctx, scale(150*time.Second), "carts 0.11.1 in production", func() bool { return w.version("production") == "0.11.1" }); err != nil {
		return err
	}
	n.say("ok", "carts 0.11.1 runs in production")

	n.say("act", "Act 2: CI bumps carts to 0.11.2, which is slow by design")
	if err := f.bump(ctx, repo, filepath.Join(ws, "ci"), "0.11.2"); err != nil {
		return err
	}
	sawSlow := false
	if err := w.until(ctx, scale(150*time.Second), "0.11.2 blocked in staging and rolled back", func() bool {
		sawSlow = sawSlow || w.version("staging") == demo.SlowVersion
		return sawSlow && w.version("staging") == "0.11.1" && w.rolledBack()
	}); err != nil {
		return err
	}
	if w.version("production") != "0.11.1" {
		return fmt.Errorf("production runs %s: the slow version got through", w.version("production"))
	}
	n.say("ok", "the staging gate stopped 0.11.2; staging is rolled back to 0.11.1; production untouched")

	n.say("act", "Act 3: a load spike in production")
	workloads["production"].SetLoad(4)
	go w.alerts(ctx)
	if err := w.until(ctx, scale(150*time.Second), "the problem closed", w.problemClosed); err != nil {
		return err
	}
	n.say("ok", "production is back within its SLO: the problem is closed")
	n.say("act", "The story is in Git. Explore it:")
	for _, c := range []string{
		"git --git-dir " + repo + " log --notes=ferry stage/production",
		"git --git-dir " + repo + " log --notes=ferry --format='%h %s%n%N' main",
		"git --git-dir " + repo + " show ferry/status:STATUS.md",
		"ferry status --repo " + repo,
		"ferry history carts --repo " + repo,
		"ferry problems --repo " + repo,
	} {
		n.say("dim", "  %s", c)
	}
	return nil
}

// seed creates the bare repository and commits the example to main.
func (f *demoFlags) seed(ctx context.Context, repo, state string) error {
	r, err := git.PlainInit(repo, true)
	if err != nil {
		return fmt.Errorf("create repository: %w", err)
	}
	if err := r.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/main")); err != nil {
		return fmt.Errorf("point HEAD at main: %w", err)
	}
	var edits []gitstore.Edit
	err = fs.WalkDir(examples.Sockshop, "sockshop", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := examples.Sockshop.ReadFile(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, "sockshop/")
		if rel == "shipyard.yaml" || rel == "ferry.yaml" {
			data = scaleDurations(data, f.speed)
		}
		edits = append(edits, gitstore.Put(rel, data))
		return nil
	})
	if err != nil {
		return err
	}
	return commitMain(ctx, repo, state, "sockshop: carts 0.11.1 and carts-db", edits)
}

func (f *demoFlags) bump(ctx context.Context, repo, state, version string) error {
	return commitMain(ctx, repo, state, "bump carts to "+version,
		[]gitstore.Edit{gitstore.Put("services/carts/pin.yaml", []byte("image: docker.io/keptnexamples/carts:"+version+"\n"))})
}

// commitMain commits to main as CI does, retrying when ferry pushed meanwhile.
func commitMain(ctx context.Context, repo, state, msg string, edits []gitstore.Edit) error {
	s, err := gitstore.Open(gitstore.Options{URL: repo, Dir: state})
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	for range 10 {
		res, err := s.Fetch(ctx)
		if err != nil {
			return err
		}
		b := s.Begin(res.Snapshot)
		if _, err := b.Commit(s.MainRef(), gitstore.CommitRequest{
			Message: msg, Edits: edits,
			Author: ciSignature(), Committer: ciSignature(),
		}); err != nil {
			return err
		}
		if _, err = s.Push(ctx, b); err == nil || !gitstore.IsStale(err) {
			return err
		}
	}
	return errors.New("main kept moving")
}

// ciSignature is who commits to main in the demo.
func ciSignature() object.Signature {
	return object.Signature{Name: "CI", Email: "ci@sockshop.example"}
}

var durationValue = regexp.MustCompile(`(\d+)s\b`)

// scaleDurations divides the durations of a file by speed.
func scaleDurations(data []byte, speed float64) []byte {
	if speed == 1 {
		return data
	}
	return durationValue.ReplaceAllFunc(data, func(m []byte) []byte {
		v, _ := strconv.Atoi(string(m[:len(m)-1]))
		ms := int(float64(v) * 1000 / speed)
		return []byte(strconv.Itoa(max(ms, 100)) + "ms")
	})
}

// startFerry runs ferry's loop and endpoints in process.
func startFerry(ctx context.Context, repo, state, promURL string) (*gitstore.Store, string, error) {
	s, err := gitstore.Open(gitstore.Options{URL: repo, Dir: state})
	if err != nil {
		return nil, "", err
	}
	q, err := evaluator.NewPrometheus(evaluator.PrometheusOptions{URL: promURL})
	if err != nil {
		return nil, "", err
	}
	r, err := reconciler.New(reconciler.Options{Store: s, Querier: q, Log: logr.Discard()})
	if err != nil {
		return nil, "", err
	}
	loop := reconciler.NewLoop(r, 250*time.Millisecond)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: ingress.Handler(loop, ingress.ServerOptions{AlertToken: demoSecret, SignalSecret: demoSecret}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() { _ = loop.Run(ctx) }()
	return s, "http://" + ln.Addr().String(), nil
}

// world watches the repository for the story: the agent's view, the
// narration of commits and gates, the alerts.
type world struct {
	repo      string
	view      *gitstore.Store
	workloads map[string]*demo.Workload
	n         *narrator
	prom      *promserver.Server
	hooks     string

	mu     sync.Mutex
	snap   gitstore.Snapshot
	seen   map[string]string
	ledger map[string]bool
}

func (w *world) targets() []promserver.Target {
	var out []promserver.Target
	for stage, wl := range w.workloads {
		out = append(out, promserver.Target{URL: wl.URL, Job: "carts-sockshop-" + stage, Instance: "carts." + stage})
	}
	return out
}

// drive sends load: 20 requests a second to every deployed workload.
func (w *world) drive(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, wl := range w.workloads {
				wl.Serve(2)
			}
		}
	}
}

// agent fetches every 250ms, applies the stage branches and narrates.
func (w *world) agent(ctx context.Context) {
	a := &demo.Agent{Store: w.view, Workloads: w.workloads, Report: func(stage, commit string) { w.report(ctx, stage, commit) }}
	for ctx.Err() == nil {
		if res, err := w.view.Fetch(ctx); err == nil {
			w.narrate(res.Snapshot)
			a.Sync(res.Snapshot)
			w.mu.Lock()
			w.snap = res.Snapshot
			w.mu.Unlock()
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// report tells ferry that the agent applied a stage commit and the
// workload is healthy, as Argo CD's notifications would.
func (w *world) report(ctx context.Context, stage, commit string) {
	body, err := json.Marshal(ingress.ArgoCDPayload{
		App: "carts-" + stage, Branch: strings.TrimPrefix(w.view.StageRef(stage), "refs/heads/"), Revision: commit,
		SyncStatus: "Synced", HealthStatus: "Healthy",
	})
	if err != nil {
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.hooks+"/hooks/argocd", bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Authorization", "Bearer "+demoSecret)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_ = resp.Body.Close()
		if resp.StatusCode < 300 {
			w.n.say("dim", "agent applied %s on %s and reported it healthy", commit[:7], strings.TrimPrefix(w.view.StageRef(stage), "refs/heads/"))
		}
	}
}

// narrate prints the new commits of main and the stage branches, and the
// gate of every new evaluation.
func (w *world) narrate(snap gitstore.Snapshot) {
	refs := append([]string{w.view.MainRef()}, snap.Names(gitstore.BranchRef("stage/"))...)
	sort.Strings(refs[1:])
	for _, ref := range refs {
		tip := snap.Get(ref)
		var fresh []*gitstore.Commit
		for h := tip; !h.IsZero() && h.String() != w.seen[ref] && len(fresh) < 50; {
			c, err := w.view.Commit(h)
			if err != nil {
				break
			}
			fresh = append(fresh, c)
			if len(c.Parents) == 0 {
				break
			}
			h = c.Parents[0]
		}
		w.seen[ref] = tip.String()
		branch := strings.TrimPrefix(ref, "refs/heads/")
		for i := len(fresh) - 1; i >= 0; i-- {
			c := fresh[i]
			w.n.say("commit", "%s %-16s %s", c.Hash.String()[:7], branch, c.Subject())
		}
	}
	status := snap.Get(w.view.FerryRef("status"))
	if status.IsZero() {
		return
	}
	for _, stage := range []string{"dev", "staging", "production"} {
		for _, svc := range []string{"carts"} {
			names, _ := w.view.ListDir(status, path.Join("ledger", stage, svc))
			for _, name := range names {
				key := stage + "/" + name
				if w.ledger[key] {
					continue
				}
				w.ledger[key] = true
				data, err := w.view.ReadFile(status, path.Join("ledger", stage, svc, name))
				if err != nil {
					continue
				}
				rec, err := evaluator.ParseRecord(data)
				if err != nil {
					continue
				}
				style := "ok"
				if rec.Result == evaluator.ResultFail {
					style = "bad"
				}
				w.n.say(style, "quality gate for %s in %s: %s, score %s", svc, stage, rec.Result, evaluator.FormatScore(rec.Score))
				var table strings.Builder
				_ = printRecord(&table, outputHuman, rec)
				for _, line := range strings.Split(strings.TrimRight(table.String(), "\n"), "\n") {
					w.n.say("dim", "    %s", line)
				}
			}
		}
	}
}

func (w *world) version(stage string) string {
	w.mu.Lock()
	snap := w.snap
	w.mu.Unlock()
	tip := snap.Get(w.view.StageRef(stage))
	if tip.IsZero() {
		return ""
	}
	data, err := w.view.ReadFile(tip, "services/carts/manifests.yaml")
	if err != nil {
		return ""
	}
	m := regexp.MustCompile(`carts:([0-9.]+)`).FindSubmatch(data)
	if m == nil {
		return ""
	}
	return string(m[1])
}

func (w *world) rolledBack() bool {
	w.mu.Lock()
	snap := w.snap
	w.mu.Unlock()
	c, err := w.view.Commit(snap.Get(w.view.StageRef("staging")))
	if err != nil {
		return false
	}
	task, _ := c.Trailers.Get("Ferry-Task")
	return task == "rollback"
}

func (w *world) problemClosed() bool {
	w.mu.Lock()
	snap := w.snap
	w.mu.Unlock()
	files, err := w.view.ReadDir(snap.Get(w.view.FerryRef("status")), "problems")
	if err != nil {
		return false
	}
	for _, data := range files {
		if strings.Contains(string(data), "status: closed") {
			return true
		}
	}
	return false
}

// alerts evaluates production's alert rules (alerts.yaml on the stage
// branch) every second and sends what fires to ferry, as Prometheus and
// Alertmanager would.
func (w *world) alerts(ctx context.Context) {
	a := &promserver.Alerter{S: w.prom}
	announced := false
	for ctx.Err() == nil {
		w.mu.Lock()
		snap := w.snap
		w.mu.Unlock()
		if data, err := w.view.ReadFile(snap.Get(w.view.StageRef("production")), "services/carts/alerts.yaml"); err == nil {
			if fired, err := a.Evaluate(ctx, time.Now(), alertRules(data)); err == nil && len(fired) > 0 {
				if !announced && fired[0].Status == "firing" {
					w.n.say("bad", "alert %s fires: %s", fired[0].Labels["alertname"], fired[0].Annotations["summary"])
					announced = true
				}
				_ = promserver.Notify(ctx, w.hooks+"/hooks/alertmanager", demoSecret, fired)
			}
		}
		time.Sleep(time.Second)
	}
}

// alertRules reads a PrometheusRule.
func alertRules(data []byte) []promserver.AlertRule {
	var pr struct {
		Spec struct {
			Groups []remediator.RuleGroup `yaml:"groups"`
		} `yaml:"spec"`
	}
	if yaml.Unmarshal(data, &pr) != nil {
		return nil
	}
	var out []promserver.AlertRule
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			d, _ := time.ParseDuration(r.For)
			out = append(out, promserver.AlertRule{Name: r.Alert, Expr: r.Expr, For: d, Labels: r.Labels, Annotations: r.Annotations})
		}
	}
	return out
}

func (w *world) until(ctx context.Context, within time.Duration, what string, ok func() bool) error {
	deadline := time.Now().Add(within)
	w.n.say("dim", "waiting for %s (at most %s)", what, within.Round(time.Second))
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("the story stopped: no %s within %s", what, within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}
