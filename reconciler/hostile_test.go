package reconciler_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
	"github.com/ferrycd/ferry/status"
)

// hungQuerier is a Prometheus that accepts queries and never answers.
type hungQuerier struct{}

func (hungQuerier) Query(ctx context.Context, _ string, _ time.Time) (float64, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// passUntil runs passes of r, moving the clock to each wake-up, until ok
// or the pass budget runs out.
func (w *world) passUntil(r *reconciler.Reconciler, passes int, ok func() bool) bool {
	w.t.Helper()
	for range passes {
		if ok() {
			return true
		}
		w.sample()
		res, err := r.Pass(context.Background())
		if err != nil {
			w.t.Fatalf("pass: %v", err)
		}
		if !res.Pushed && !res.Next.IsZero() {
			w.now = res.Next
		}
	}
	return ok()
}

// A Prometheus that never answers delays only the gates that query it:
// a service without a gate keeps delivering, and every pass ends.
func TestHungPrometheusDelaysOnlyItsGate(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	w.addService("orders", "orders:1.0.0")
	gittest.CommitFiles(t, w.dir, "main", "orders has no gate", gittest.Files{"services/orders/slo.yaml": nil})
	w.settle(time.Hour)
	hung := w.withOptions(func(o *reconciler.Options) { o.Querier, o.GateWait = hungQuerier{}, 20*time.Millisecond })
	gittest.CommitFiles(t, w.dir, "main", "bump both", gittest.Files{
		"services/carts/pin.yaml":  gittest.Text("image: carts:0.11.2\n"),
		"services/orders/pin.yaml": gittest.Text("image: orders:1.0.1\n"),
	})
	start := time.Now()
	if !w.passUntil(hung, 300, func() bool { return w.serviceImage("production", "orders") == "orders:1.0.1" }) {
		t.Fatalf("orders did not reach production while carts' gate hung (after %s)", time.Since(start))
	}
	if img := w.image("staging"); img != "carts:0.11.1" {
		t.Errorf("carts reached staging (%q) although its gate never answered", img)
	}
	runs := w.git("show", "ferry/status:runs/dev/carts.yaml")
	if !strings.Contains(runs, "waiting: queries") {
		t.Errorf("carts in dev must wait for its gate's queries:\n%s", runs)
	}
	ss, _ := w.summary().Service("dev", "carts")
	if ss.InFlight == nil || !strings.Contains(ss.InFlight.WaitingFor, "SLI queries") {
		t.Errorf("status.json must say what carts waits for: %+v", ss.InFlight)
	}
}

// /readyz says so when a pass does not end: here, a Git server that takes
// connections and never answers.
func TestStuckPassIsNotReady(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	s, err := gitstore.Open(gitstore.Options{URL: "http://" + ln.Addr().String() + "/repo.git", Dir: filepath.Join(t.TempDir(), "state"), Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := reconciler.New(reconciler.Options{Store: s, Querier: evaluator.NoQuerier{}})
	if err != nil {
		t.Fatal(err)
	}
	loop := reconciler.NewLoop(r, time.Hour)
	loop.Stuck = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() { _ = loop.Run(ctx) }()
	h := ingress.Handler(loop, ingress.ServerOptions{})
	for {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if rec.Code == http.StatusServiceUnavailable && strings.Contains(rec.Body.String(), "a pass has been running for") {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("/readyz during a pass that never ends: %d %s", rec.Code, rec.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A commit that endlessly renders a chart, bombs a values file or makes
// the shipyard's triggers cycle never stops the loop: a chart that does
// not render fails its own run and the other services deliver; an invalid
// project stalls with the file and line; a repair commit reaches
// production.
func TestHostileCommitsAreContained(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n" +
		"g: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	w := newWorld(t, "promote.txtar")
	w.rec = w.withOptions(func(o *reconciler.Options) { o.Render.Timeout = time.Second })
	w.addService("orders", "orders:1.0.0")
	w.settle(time.Hour)

	// An endless template in orders' chart: carts, bumped in the same
	// commit, is delivered; orders' run fails with the reason.
	gittest.CommitFiles(t, w.dir, "main", "endless", gittest.Files{
		"services/orders/chart/templates/endless.yaml": gittest.Text("{{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}"),
		"services/carts/pin.yaml":                      gittest.Text("image: carts:0.11.2\n"),
	})
	w.settle(time.Hour)
	if img := w.image("production"); img != "carts:0.11.2" {
		t.Errorf("carts in production: %q, want carts:0.11.2 next to orders' endless chart", img)
	}
	if runs := w.git("show", "ferry/status:runs/dev/orders.yaml"); !strings.Contains(runs, "did not render within 1s") {
		t.Errorf("orders' run must fail with the render's reason:\n%s", runs)
	}

	// An alias bomb in orders' values: orders is invalid and stalls, naming
	// the file; carts, bumped in the same commit, is delivered.
	gittest.CommitFiles(t, w.dir, "main", "bomb", gittest.Files{
		"services/orders/values.yaml": gittest.Text(bomb),
		"services/carts/pin.yaml":     gittest.Text("image: carts:0.11.3\n"),
	})
	w.settle(time.Hour)
	if img := w.image("production"); img != "carts:0.11.3" {
		t.Errorf("carts in production: %q, want carts:0.11.3 next to orders' alias bomb", img)
	}
	ss, _ := w.summary().Service("dev", "orders")
	if len(ss.Conditions) < 2 || ss.Conditions[1].Reason != status.ReasonInvalidProject || !strings.Contains(ss.Conditions[1].Message, "services/orders/values.yaml:") {
		t.Errorf("status.json must show orders stalled on its values file: %+v", ss.Conditions)
	}
	gittest.CommitFiles(t, w.dir, "main", "repair the values", gittest.Files{"services/orders/values.yaml": nil})

	// A trigger cycle in the shipyard: the project stalls, naming the
	// file and line, and nothing is delivered from that commit.
	cycle := strings.Replace(w.git("show", "main:shipyard.yaml"), "- event: dev.delivery.finished",
		"- event: dev.delivery.finished\n            - event: staging.delivery.finished", 1)
	gittest.CommitFiles(t, w.dir, "main", "cycle", gittest.Files{"shipyard.yaml": gittest.Text(cycle)})
	w.settle(time.Hour)
	if md := w.git("show", "ferry/status:STATUS.md"); !strings.Contains(md, "Stalled (InvalidProject)") || !strings.Contains(md, "shipyard.yaml:") {
		t.Errorf("STATUS.md after a trigger cycle:\n%s", md)
	}
	gittest.CommitFiles(t, w.dir, "main", "repair the shipyard", gittest.Files{"shipyard.yaml": gittest.Text(w.git("show", "main~1:shipyard.yaml") + "\n")})

	// The repair: orders' chart renders again and both services move.
	gittest.CommitFiles(t, w.dir, "main", "repair", gittest.Files{
		"services/orders/chart/templates/endless.yaml": nil,
		"services/orders/pin.yaml":                     gittest.Text("image: orders:1.0.1\n"),
		"services/carts/pin.yaml":                      gittest.Text("image: carts:0.11.4\n"),
	})
	w.settle(time.Hour)
	if img := w.serviceImage("production", "orders"); img != "orders:1.0.1" {
		t.Errorf("orders in production after the repair: %q", img)
	}
	if img := w.image("production"); img != "carts:0.11.4" {
		t.Errorf("carts in production after the repair: %q", img)
	}
	if c := w.summary().Conditions; c[0].Status != "True" {
		t.Errorf("the project must be ready after the repair: %+v", c)
	}
}
