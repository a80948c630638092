package reconciler_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/internal/kustomizetest"
	"github.com/ferrycd/ferry/internal/promserver"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/notify"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// world is a repository, a Prometheus, a clock and a reconciler. The test
// plays the sync agent and the workloads: after each pass, every stage
// serves the image its branch holds, with the latency the test chose for
// that version.
type world struct {
	t       *testing.T
	dir     string
	srv     *gittest.InProcess
	prom    *promserver.Server
	rec     *reconciler.Reconciler
	store   *gitstore.Store
	now     time.Time
	latency map[string]float64 // by "stage/image", else by image
	sampled time.Time
	notes   *recorder
	// byReplicas, when set, gives production's latency by replica count.
	byReplicas map[int]float64
}

func newWorld(t *testing.T, seed string) *world {
	t.Helper()
	return newWorldWith(t, func(dir string) { gittest.CommitTxtar(t, dir, "main", filepath.Join("testdata", seed)) })
}

// newWorldWith is newWorld with main's first commit written by seed.
func newWorldWith(t *testing.T, seed func(dir string)) *world {
	t.Helper()
	w := &world{t: t, now: t0, latency: map[string]float64{}, notes: &recorder{}}
	w.dir = gittest.InitBare(t)
	seed(w.dir)
	// Every scenario ends with stage branches an agent can build.
	t.Cleanup(func() {
		if !t.Failed() {
			kustomizetest.CheckStageBranches(t, w.dir, func(stage string) string { return "sockshop-" + stage })
		}
	})
	w.srv = gittest.NewInProcess(t, w.dir)
	var err error
	if w.prom, err = promserver.Start(promserver.Options{Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.prom.Close() })
	if w.store, err = gitstore.Open(gitstore.Options{URL: w.srv.URL, Dir: filepath.Join(t.TempDir(), "state")}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.store.Close() })
	q, err := evaluator.NewPrometheus(evaluator.PrometheusOptions{URL: w.prom.URL})
	if err != nil {
		t.Fatal(err)
	}
	w.rec, err = reconciler.New(reconciler.Options{Store: w.store, Querier: q, Now: func() time.Time { return w.now }, Log: testr.New(t), Notifier: w.notes})
	if err != nil {
		t.Fatal(err)
	}
	w.sampled = t0.Add(-time.Minute)
	return w
}

var imageLine = regexp.MustCompile(`image: "([^"]+)"`)

// image returns the image a stage branch deploys, or "".
func (w *world) image(stage string) string {
	out, err := gittest.TryGit(w.dir, "show", "stage/"+stage+":services/carts/manifests.yaml")
	if err != nil {
		return ""
	}
	m := imageLine.FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return m[1]
}

// sample writes each stage's latency every 10s up to now.
func (w *world) sample() {
	for at := w.sampled.Add(10 * time.Second); !at.After(w.now); at = at.Add(10 * time.Second) {
		for _, stage := range []string{"dev", "staging", "production"} {
			img := w.image(stage)
			if img == "" {
				continue
			}
			v, ok := w.latency[stage+"/"+img]
			if !ok {
				if v, ok = w.latency[img]; !ok {
					v = 100
				}
			}
			if stage == "production" && w.byReplicas != nil {
				if l, ok := w.byReplicas[w.replicas(stage)]; ok {
					v = l
				}
			}
			if err := w.prom.Add(promserver.Sample{Labels: labels.FromStrings("__name__", "carts_latency_ms", "stage", stage), Time: at, Value: v}); err != nil {
				w.t.Fatal(err)
			}
		}
		w.sampled = at
	}
}

// settle runs passes, moving the clock to each wake-up, until nothing
// waits or the clock passes limit.
func (w *world) settle(limit time.Duration) {
	w.t.Helper()
	end := w.now.Add(limit)
	for i := 0; i < 500; i++ {
		w.sample()
		res, err := w.rec.Pass(context.Background())
		if err != nil {
			w.t.Fatalf("pass: %v", err)
		}
		if res.Pushed {
			continue // pass again at the same time: the next step may follow at once
		}
		if res.Next.IsZero() || res.Next.After(end) {
			return
		}
		w.now = res.Next
	}
	w.t.Fatal("no quiet state after 500 passes")
}

func (w *world) bump(image string) string {
	return gittest.CommitFiles(w.t, w.dir, "main", "bump carts to "+image, gittest.Files{"services/carts/pin.yaml": gittest.Text("image: " + image + "\n")})
}

func (w *world) git(args ...string) string { return gittest.Git(w.t, w.dir, args...) }

// deployments lists the subjects of a stage branch's commits, oldest first.
func (w *world) log(branch string) []string {
	out, err := gittest.TryGit(w.dir, "log", "--reverse", "--format=%s", branch)
	if err != nil || out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

func contextWithTimeout(tb testing.TB, d time.Duration) (context.Context, context.CancelFunc) {
	tb.Helper()
	return context.WithTimeout(context.Background(), d)
}

// withOptions returns a new reconciler over the world with changed options.
func (w *world) withOptions(edit func(*reconciler.Options)) *reconciler.Reconciler {
	w.t.Helper()
	q, err := evaluator.NewPrometheus(evaluator.PrometheusOptions{URL: w.prom.URL})
	if err != nil {
		w.t.Fatal(err)
	}
	o := reconciler.Options{Store: w.store, Querier: q, Now: func() time.Time { return w.now }, Log: testr.New(w.t), Notifier: w.notes}
	edit(&o)
	r, err := reconciler.New(o)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

var replicasLine = regexp.MustCompile(`replicas: (\d+)`)

// replicas returns the replica count a stage branch deploys.
func (w *world) replicas(stage string) int {
	out, err := gittest.TryGit(w.dir, "show", "stage/"+stage+":services/carts/manifests.yaml")
	if err != nil {
		return 0
	}
	m := replicasLine.FindStringSubmatch(out)
	if m == nil {
		return 0
	}
	n := 0
	_, _ = fmt.Sscan(m[1], &n)
	return n
}

// recorder is a Notifier that keeps what it is told.
type recorder struct {
	mu    sync.Mutex
	notes []notify.Notification
}

func (r *recorder) Notify(n notify.Notification) {
	r.mu.Lock()
	r.notes = append(r.notes, n)
	r.mu.Unlock()
}

func (r *recorder) events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, n := range r.notes {
		out = append(out, string(n.Event)+" "+n.Stage)
	}
	return out
}
