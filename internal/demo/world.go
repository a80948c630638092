package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/promserver"
	"github.com/ferrycd/ferry/reconciler/ingress"
	"github.com/ferrycd/ferry/status"
)

// stageNames are the sockshop example's stages, in promotion order.
var stageNames = []string{"dev", "staging", "production"}

var cartsImage = regexp.MustCompile(`carts:([0-9.]+)`)

// world watches the repository for the story: the agent's view, the
// narration of commits and gates, the alerts.
type world struct {
	repo      string
	view      *gitstore.Store
	workloads map[string]*Workload
	n         *narrator
	prom      *promserver.Server
	hooks     string

	mu     sync.Mutex
	snap   gitstore.Snapshot
	seen   map[string]string // ref → the last tip narrated
	ledger map[string]bool   // stage/record → narrated
}

// snapshot is what the agent fetched last.
func (w *world) snapshot() gitstore.Snapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.snap
}

// targets are the workloads Prometheus scrapes.
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
	a := &Agent{Store: w.view, Workloads: w.workloads, Report: func(stage, commit string) { w.report(ctx, stage, commit) }}
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
	branch := strings.TrimPrefix(w.view.StageRef(stage), "refs/heads/")
	body, err := json.Marshal(ingress.ArgoCDPayload{
		App: "carts-" + stage, Branch: branch, Revision: commit,
		SyncStatus: "Synced", HealthStatus: "Healthy",
	})
	if err != nil {
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.hooks+"/hooks/argocd", bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_ = resp.Body.Close()
		if resp.StatusCode < 300 {
			w.n.say("dim", "agent applied %s on %s and reported it healthy", commit[:7], branch)
		}
	}
}

// version is the carts version a stage branch deploys, or "".
func (w *world) version(stage string) string {
	tip := w.snapshot().Get(w.view.StageRef(stage))
	if tip.IsZero() {
		return ""
	}
	data, err := w.view.ReadFile(tip, "services/carts/manifests.yaml")
	if err != nil {
		return ""
	}
	m := cartsImage.FindSubmatch(data)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// rolledBack reports whether staging's tip is a rollback.
func (w *world) rolledBack() bool {
	c, err := w.view.Commit(w.snapshot().Get(w.view.StageRef("staging")))
	if err != nil {
		return false
	}
	return c.Trailers.Ferry().Task == "rollback"
}

// problemClosed reports whether ferry closed a problem.
func (w *world) problemClosed() bool {
	b, err := status.Read(w.view.Reader, w.snapshot().Get(w.view.FerryRef("status")), nil)
	if err != nil {
		return false
	}
	for _, p := range b.Problems {
		if p.Status == status.ProblemClosed {
			return true
		}
	}
	return false
}

// until waits for ok, checking every 200ms, and fails after within.
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
