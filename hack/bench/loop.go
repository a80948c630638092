package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
)

const loopShipyard = `apiVersion: spec.keptn.sh/0.2.4
kind: Shipyard
metadata: {name: bench}
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks: [{name: deployment, properties: {settle: 1ms}}, {name: release}]
    - name: staging
      sequences:
        - name: delivery
          triggeredOn: [{event: dev.delivery.finished}]
          tasks: [{name: deployment, properties: {settle: 1ms}}, {name: release}]
    - name: production
      sequences:
        - name: delivery
          triggeredOn: [{event: staging.delivery.finished}]
          tasks: [{name: deployment, properties: {settle: 1ms}}, {name: release}]
`

// makeProject creates a bare repository whose main holds services
// services (pin and a one-template chart each) and history commits.
func makeProject(dir string, services, history int) error {
	return fastImport(dir, history, func(w *bufio.Writer, i int) {
		if i > 0 {
			writeInline(w, "README.md", fmt.Sprintf("revision %d\n", i))
			return
		}
		writeInline(w, "shipyard.yaml", loopShipyard)
		for s := range services {
			svc := fmt.Sprintf("svc%04d", s)
			writeInline(w, "services/"+svc+"/pin.yaml", fmt.Sprintf("image: %s:1.0.0\n", svc))
			writeInline(w, "services/"+svc+"/chart/Chart.yaml", "apiVersion: v2\nname: "+svc+"\nversion: 0.1.0\n")
			writeInline(w, "services/"+svc+"/chart/templates/cm.yaml", "kind: ConfigMap\nmetadata: {name: {{ .Release.Name }}}\ndata: {image: {{ .Values.image | quote }}}\n")
		}
	})
}

// clock is the benchmark's settable time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// deliverAll runs passes until nothing is left to do, moving the clock
// past every wait.
func deliverAll(ctx context.Context, r *reconciler.Reconciler, c *clock) (passes int, err error) {
	for passes = 0; passes < 10000; passes++ {
		res, err := r.Pass(ctx)
		if err != nil {
			return passes, err
		}
		if res.Pushed {
			continue
		}
		if res.Next.IsZero() {
			return passes, nil
		}
		c.t = res.Next
	}
	return passes, fmt.Errorf("no quiet state after %d passes", passes)
}

func newLoopReconciler(dir, url string, c *clock) (*gitstore.Store, *reconciler.Reconciler, error) {
	s, err := gitstore.Open(gitstore.Options{URL: url, Dir: dir})
	if err != nil {
		return nil, nil, err
	}
	r, err := reconciler.New(reconciler.Options{Store: s, Now: c.now, Log: logr.Discard()})
	if err != nil {
		_ = s.Close()
		return nil, nil, err
	}
	return s, r, nil
}

// benchIdle measures an idle pass over every service in every stage, with
// short and long histories on main.
func benchIdle(ctx context.Context, c config) error {
	fmt.Printf("loop-idle: idle passes over %d services x 3 stages\n", c.services)
	for _, history := range []int{100, c.history100k} {
		remote := filepath.Join(c.workDir, fmt.Sprintf("idle-%d.git", history))
		t0 := time.Now()
		if err := makeProject(remote, c.services, history); err != nil {
			return err
		}
		clk := &clock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
		s, r, err := newLoopReconciler(filepath.Join(c.workDir, fmt.Sprintf("idle-state-%d", history)), remote, clk)
		if err != nil {
			return err
		}
		passes, err := deliverAll(ctx, r, clk)
		if err != nil {
			return err
		}
		setup := time.Since(t0)
		idle := measure(20, func() error { _, err := r.Pass(ctx); return err })
		runtime.GC()
		heap, rss := memory()
		// A restarted ferry has no memory: a new store on the same state
		// directory (cold caches) and a new reconciler read the whole state
		// from Git and find nothing to do.
		stateDir := s.Options().Dir
		_ = s.Close()
		full := measure(3, func() error {
			s2, r2, err := newLoopReconciler(stateDir, remote, clk)
			if err != nil {
				return err
			}
			defer func() { _ = s2.Close() }()
			_, err = r2.Pass(ctx)
			return err
		})
		fmt.Printf("  %6d commits on main: idle pass %8s (%d allocs)   first pass after a restart %8s (%d allocs)   heap %.0f MiB, RSS %.0f MiB   [wave: %d passes, setup %s]\n",
			history, idle.avg.Round(10*time.Microsecond), idle.allocs, full.avg.Round(100*time.Microsecond), full.allocs, mib(heap), mib(rss), passes, setup.Round(time.Second))
	}
	fmt.Println("  goal: idle pass < 50ms, flat in the length of main's history; RSS of one 1,000-service project < 150 MiB")
	return nil
}

type measurement struct {
	avg    time.Duration
	allocs uint64
}

func measure(n int, f func() error) measurement {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.Mallocs
	start := time.Now()
	for range n {
		if err := f(); err != nil {
			panic(err)
		}
	}
	d := time.Since(start) / time.Duration(n)
	runtime.ReadMemStats(&ms)
	return measurement{avg: d, allocs: (ms.Mallocs - before) / uint64(n)}
}

// benchWebhook measures the time from a push webhook to the first commit
// on the first stage branch, against git http-backend on loopback.
func benchWebhook(ctx context.Context, c config) error {
	remote := filepath.Join(c.workDir, "hook.git")
	if err := makeProject(remote, 10, 10); err != nil {
		return err
	}
	if err := git(remote, "config", "http.receivepack", "true"); err != nil {
		return err
	}
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		return err
	}
	backend := &cgi.Handler{
		Path: filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend"), Root: "/",
		Env: append(gitEnv(), "GIT_PROJECT_ROOT="+c.workDir, "GIT_HTTP_EXPORT_ALL=1"),
	}
	srv := httptest.NewServer(backend)
	defer srv.Close()
	clk := &clock{t: time.Now()}
	s, r, err := newLoopReconciler(filepath.Join(c.workDir, "hook-state"), srv.URL+"/hook.git", clk)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	if _, err := deliverAll(ctx, r, clk); err != nil {
		return err
	}
	secret := filepath.Join(c.workDir, "hook-secret")
	if err := os.WriteFile(secret, []byte("s"), 0o600); err != nil {
		return err
	}
	loop := reconciler.NewLoop(r, time.Hour)
	hooks := httptest.NewServer(ingress.Handler(loop, ingress.ServerOptions{WebhookSecretFile: secret}))
	defer hooks.Close()
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = loop.Run(lctx) }()
	work := filepath.Join(c.workDir, "hook-work")
	if err := git("", "clone", "--quiet", remote, work); err != nil {
		return err
	}
	devRef := filepath.Join(remote, "refs", "heads", "stage", "dev")
	var lat []time.Duration
	for i := range c.hooks {
		clk.t = time.Now()
		if err := os.WriteFile(filepath.Join(work, "services", "svc0000", "pin.yaml"), []byte(fmt.Sprintf("image: svc0000:2.0.%d\n", i)), 0o644); err != nil {
			return err
		}
		if err := git(work, "commit", "--quiet", "-am", "bump"); err != nil {
			return err
		}
		if err := git(work, "push", "--quiet", "origin", "HEAD:main"); err != nil {
			return err
		}
		before := readRef(remote, devRef)
		start := time.Now()
		req, _ := http.NewRequest(http.MethodPost, hooks.URL+"/hooks/git", strings.NewReader("{}"))
		req.Header.Set("X-Gitlab-Token", "s")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		for readRef(remote, devRef) == before {
			if time.Since(start) > 10*time.Second {
				return fmt.Errorf("no deployment commit 10s after the webhook")
			}
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(start))
		// let the run finish before the next bump
		time.Sleep(50 * time.Millisecond)
		clk.t = time.Now().Add(time.Second)
		loop.Trigger()
		time.Sleep(50 * time.Millisecond)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	fmt.Printf("loop-webhook: push webhook -> first commit on stage/dev, %d pushes over git http-backend on loopback\n", len(lat))
	fmt.Printf("  p50 %s   p99 %s   max %s   (goal: p50 < 250ms)\n", p(0.5).Round(time.Millisecond), p(0.99).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	return nil
}

func readRef(repo, file string) string {
	if b, err := os.ReadFile(file); err == nil {
		return string(b)
	}
	out, _ := exec.Command("git", "-C", repo, "rev-parse", "--verify", "--quiet", "refs/heads/stage/dev").Output()
	return string(out)
}

// benchWave measures a wave: one CI commit bumps every service, and the
// wave goes through three stages with no waits and no gates. The baseline
// is the same wave written the way promotion tools built on the git
// command line do it: per promotion, write the manifests into a worktree,
// git add, git commit, git push.
func benchWave(ctx context.Context, c config) error {
	remote := filepath.Join(c.workDir, "wave.git")
	if err := makeProject(remote, c.services, 1); err != nil {
		return err
	}
	clk := &clock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	s, r, err := newLoopReconciler(filepath.Join(c.workDir, "wave-state"), remote, clk)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	if _, err := deliverAll(ctx, r, clk); err != nil {
		return err
	}
	work := filepath.Join(c.workDir, "wave-ci")
	if err := git("", "clone", "--quiet", remote, work); err != nil {
		return err
	}
	for i := range c.services {
		svc := fmt.Sprintf("svc%04d", i)
		if err := os.WriteFile(filepath.Join(work, "services", svc, "pin.yaml"), []byte(fmt.Sprintf("image: %s:2.0.0\n", svc)), 0o644); err != nil {
			return err
		}
	}
	if err := git(work, "commit", "--quiet", "-am", "bump every service"); err != nil {
		return err
	}
	if err := git(work, "push", "--quiet", "origin", "HEAD:main"); err != nil {
		return err
	}
	start := time.Now()
	var pushes int
	var sent int64
	for range 10000 {
		res, err := r.Pass(ctx)
		if err != nil {
			return err
		}
		if res.Pushed {
			pushes++
			sent += res.Bytes
			continue
		}
		if res.Next.IsZero() {
			break
		}
		clk.t = res.Next
	}
	ferry := time.Since(start)

	// Baseline: the same manifests, one promotion at a time.
	cli := filepath.Join(c.workDir, "wave-cli")
	if err := git("", "clone", "--quiet", remote, cli); err != nil {
		return err
	}
	start = time.Now()
	for _, stage := range []string{"dev", "staging", "production"} {
		if err := git(cli, "checkout", "--quiet", "-B", "cli-"+stage, "origin/stage/"+stage+"~"+fmt.Sprint(c.services)); err != nil {
			return err
		}
		for i := range c.services {
			svc := fmt.Sprintf("svc%04d", i)
			data, err := exec.Command("git", "-C", remote, "show", "stage/"+stage+":services/"+svc+"/manifests.yaml").Output()
			if err != nil {
				return err
			}
			p := filepath.Join(cli, "services", svc, "manifests.yaml")
			if err := os.WriteFile(p, data, 0o644); err != nil {
				return err
			}
			if err := git(cli, "add", p); err != nil {
				return err
			}
			if err := git(cli, "commit", "--quiet", "--allow-empty", "-m", "promote "+svc+" to "+stage); err != nil {
				return err
			}
			if err := git(cli, "push", "--quiet", "origin", "HEAD:refs/heads/cli/"+stage); err != nil {
				return err
			}
		}
	}
	baseline := time.Since(start)
	fmt.Printf("loop-wave: one CI commit bumps %d services; the wave goes through 3 stages (%d deployment commits)\n", c.services, 3*c.services)
	fmt.Printf("  ferry: all in production after %s, %d pushes, %d KiB sent\n", ferry.Round(time.Millisecond), pushes, sent>>10)
	fmt.Printf("  git CLI worktree, a commit and a push per promotion: %s   ratio %.1fx (goal >= 5x)\n", baseline.Round(time.Millisecond), baseline.Seconds()/ferry.Seconds())
	return nil
}
