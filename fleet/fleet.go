package fleet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/ferrycd/ferry/api/v1alpha1"
	"github.com/ferrycd/ferry/dashboard"
	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/event"
	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/plan"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
	"github.com/ferrycd/ferry/reconciler/metrics"
	"github.com/ferrycd/ferry/review"
)

// Options are what the projects of a fleet share.
type Options struct {
	// StateDir holds each project's mirror, in <namespace>/<name>.
	StateDir string
	// SecretsDir holds the Secrets the projects name, one directory per
	// Secret: <namespace>/<secret>/<key>.
	SecretsDir string
	// Reconciler is every project's reconciler options but the store, the
	// querier, the metrics and the pull requests, which are the project's.
	Reconciler reconciler.Options
	// Server are the secrets of the endpoints, shared by the projects.
	Server ingress.ServerOptions
	// Events configure the CloudEvents sender of each project.
	Events event.Options
	// Signer signs the commits of the projects whose repository Secret has
	// no signingKey; nil leaves them unsigned.
	Signer gitstore.Signer
	// NoUI leaves the dashboard out of [Fleet.Handler].
	NoUI bool
	// Registerer receives the projects' metrics, labelled by project.
	Registerer prometheus.Registerer
	Log        logr.Logger
}

// Fleet is the projects of one process. Projects are added, changed and
// removed while it runs ([Fleet.Set], [Fleet.Delete]); each runs until it
// is removed, changed or the fleet's context ends.
type Fleet struct {
	opts Options
	ctx  context.Context

	mu      sync.Mutex
	members map[string]*member // by namespace/name

	dashOnce sync.Once
	dash     *dashboard.Server
}

// member is one project as the fleet runs it.
type member struct {
	key      string
	project  v1alpha1.Project
	trust    string // the repository Secret's signing keys and signers, fingerprinted
	store    *gitstore.Store
	loop     *reconciler.Loop
	reviewer *review.Reviewer
	handler  http.Handler
	metrics  *tracked
	stop     context.CancelFunc
	done     chan struct{} // closed when the loop has returned
}

// Key names a project: namespace/name.
func Key(p *v1alpha1.Project) string { return p.Namespace + "/" + p.Name }

// New returns an empty fleet whose projects run until ctx ends.
func New(ctx context.Context, opts Options) *Fleet {
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	return &Fleet{opts: opts, ctx: ctx, members: map[string]*member{}}
}

// Run runs the projects until ctx ends, then stops them. A project that
// cannot start (its state directory, a malformed Secret) is an error and
// none runs.
func (f *Fleet) Run(ctx context.Context, projects []v1alpha1.Project) error {
	defer f.StopAll()
	for i := range projects {
		if err := f.Set(projects[i]); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return nil
}

// Set runs a project, or restarts it when its spec changed since, or what
// its repository Secret holds to sign and verify commits (read once, when
// the project starts); a suspended project is stopped and kept, answered
// at its paths.
func (f *Fleet) Set(p v1alpha1.Project) error {
	key := Key(&p)
	f.mu.Lock()
	old := f.members[key]
	f.mu.Unlock()
	if old != nil && equality.Semantic.DeepEqual(old.project.Spec, p.Spec) &&
		old.trust == f.secret(p.Namespace, p.Spec.Repository.SecretRef).trust() {
		return nil
	}
	f.Delete(key)
	m, err := f.member(&p)
	if err != nil {
		return fmt.Errorf("project %s: %w", key, err)
	}
	f.mu.Lock()
	f.members[key] = m
	f.mu.Unlock()
	if p.Spec.Suspend {
		close(m.done)
		return nil
	}
	ctx, stop := context.WithCancel(logr.NewContext(f.ctx, f.opts.Log.WithValues(keyProject, key)))
	m.stop = stop
	go func() {
		defer close(m.done)
		var reviewing sync.WaitGroup
		if m.reviewer != nil {
			reviewing.Go(func() { m.reviewer.Run(ctx, p.Spec.Interval.Duration) })
		}
		if err := m.loop.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			f.opts.Log.Error(err, msgLoopEnded, keyProject, key)
		}
		stop()
		reviewing.Wait()
	}()
	return nil
}

// Delete stops a project, waits for its pass to end, and forgets it.
func (f *Fleet) Delete(key string) {
	f.mu.Lock()
	m := f.members[key]
	delete(f.members, key)
	f.mu.Unlock()
	if m == nil {
		return
	}
	if m.stop != nil {
		m.stop()
	}
	<-m.done
	m.metrics.unregister()
	_ = m.store.Close()
}

// StopAll stops every project.
func (f *Fleet) StopAll() {
	f.mu.Lock()
	keys := slices.Collect(maps.Keys(f.members))
	f.mu.Unlock()
	for _, k := range keys {
		f.Delete(k)
	}
}

// Log messages.
const msgLoopEnded = "project loop ended"

func (f *Fleet) member(p *v1alpha1.Project) (*member, error) {
	spec := &p.Spec
	repo := f.secret(p.Namespace, spec.Repository.SecretRef)
	m := &member{key: Key(p), project: *p, trust: repo.trust(), done: make(chan struct{})}
	signer, err := repo.signer(f.opts.Signer)
	if err != nil {
		return nil, err
	}
	m.store, err = gitstore.Open(gitstore.Options{
		URL: spec.Repository.URL, Dir: filepath.Join(f.opts.StateDir, p.Namespace, p.Name),
		Branch: spec.Repository.Ref, StagePrefix: spec.StagePrefix,
		Auth: repo.gitAuth(), Signer: signer,
	})
	if err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	if err := f.build(m); err != nil {
		if m.metrics != nil {
			m.metrics.unregister()
		}
		_ = m.store.Close()
		return nil, err
	}
	return m, nil
}

// build makes a member's reconciler, loop, reviewer and endpoints.
func (f *Fleet) build(m *member) error {
	p, spec := &m.project, &m.project.Spec
	ropts := f.opts.Reconciler
	ropts.Store = m.store
	ropts.Log = f.opts.Log.WithValues(keyProject, m.key)
	m.metrics = &tracked{Registerer: f.opts.Registerer}
	ropts.Metrics = metrics.New(prometheus.WrapRegistererWith(prometheus.Labels{keyProject: m.key}, m.metrics))
	var err error
	if ropts.Verifier, err = f.secret(p.Namespace, spec.Repository.SecretRef).verifier(ropts.Verifier); err != nil {
		return err
	}
	if spec.Prometheus != nil {
		if ropts.Querier, err = evaluator.NewPrometheus(f.secret(p.Namespace, spec.Prometheus.SecretRef).prometheus(spec.Prometheus.URL)); err != nil {
			return err
		}
	}
	if ropts.Announcer, err = event.NewSender(f.ctx, f.opts.Events); err != nil {
		return err
	}
	server := f.opts.Server
	if spec.Forge != nil {
		c, err := forge.New(f.secret(p.Namespace, &spec.Forge.SecretRef).forge(spec.Forge))
		if err != nil {
			return err
		}
		ropts.PullRequests, ropts.ForgePoll = c, spec.Interval.Duration
		m.reviewer = review.New(review.Options{Store: m.store, Forge: c, Log: ropts.Log.WithName("review"), Plan: plan.ForReview(m.store, plan.Options{RenderLimits: ropts.Render})})
		server.OnGitHook = m.reviewer.Trigger
	}
	r, err := reconciler.New(ropts)
	if err != nil {
		return err
	}
	m.loop = reconciler.NewLoop(r, spec.Interval.Duration)
	m.handler = ingress.Handler(m.loop, server)
	return nil
}

const keyProject = "project"

// Handler serves every project's endpoints at its own path —
// /hooks/<kind>/<namespace>/<name>, /api/v1/reports/<namespace>/<name>,
// /api/v1/events/<namespace>/<name> — and, for the process, /healthz,
// /readyz (ready once every project that runs has finished a pass; a
// project that cannot deliver says so in its status, not here),
// /metrics, and, unless Options.NoUI, the dashboard at every other path
// ([Fleet.Dashboard]).
func (f *Fleet) Handler(metricsHandler http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", f.ready)
	mux.Handle("GET /metrics", metricsHandler)
	route := func(prefix string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			m, ok := f.members[r.PathValue("namespace")+"/"+r.PathValue("name")]
			f.mu.Unlock()
			if !ok {
				http.Error(w, "no such project", http.StatusNotFound)
				return
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path = prefix + r.PathValue("kind")
			r2.URL.RawPath = ""
			m.handler.ServeHTTP(w, r2)
		}
	}
	mux.HandleFunc("POST /hooks/{kind}/{namespace}/{name}", route("/hooks/"))
	mux.HandleFunc("POST /api/v1/{kind}/{namespace}/{name}", route("/api/v1/"))
	if !f.opts.NoUI {
		mux.Handle("/", f.Dashboard())
	}
	return mux
}

func (f *Fleet) ready(w http.ResponseWriter, _ *http.Request) {
	var lines []string
	ready := true
	f.mu.Lock()
	defer f.mu.Unlock()
	for key, m := range f.members {
		if m.project.Spec.Suspend {
			lines = append(lines, key+": suspended")
			continue
		}
		ok, why := m.loop.Ready()
		switch {
		case ok:
			lines = append(lines, key+": ok")
		case why == reconciler.NoPassYet:
			ready = false
			lines = append(lines, key+": "+why)
		default:
			lines = append(lines, key+": cannot deliver: "+why)
		}
	}
	slices.Sort(lines)
	if !ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write([]byte(strings.Join(lines, "\n") + "\n"))
}

// tracked registers a project's metrics and remembers them, so that a
// stopped project's series go with it and a restarted one can register
// them again.
type tracked struct {
	prometheus.Registerer
	mu sync.Mutex
	cs []prometheus.Collector
}

func (t *tracked) Register(c prometheus.Collector) error {
	if err := t.Registerer.Register(c); err != nil {
		return err
	}
	t.mu.Lock()
	t.cs = append(t.cs, c)
	t.mu.Unlock()
	return nil
}

func (t *tracked) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := t.Register(c); err != nil {
			panic(err)
		}
	}
}

// unregister removes every metric registered through t.
func (t *tracked) unregister() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.cs {
		t.Unregister(c)
	}
	t.cs = nil
}
