package fleet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferrycd/ferry/api/v1alpha1"
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
	// Registerer receives the projects' metrics, labelled by project.
	Registerer prometheus.Registerer
	Log        logr.Logger
}

// Fleet is the projects of one process.
type Fleet struct {
	opts    Options
	members map[string]*member // by namespace/name
}

// member is one project as the fleet runs it.
type member struct {
	key      string
	project  v1alpha1.Project
	store    *gitstore.Store
	loop     *reconciler.Loop
	reviewer *review.Reviewer
	handler  http.Handler
}

// Key names a project: namespace/name.
func Key(p *v1alpha1.Project) string { return p.Namespace + "/" + p.Name }

// New opens the mirror of every project and builds its loop; ctx bounds
// the CloudEvents senders. Suspended projects are kept, answered at their
// paths, and never reconciled.
func New(ctx context.Context, opts Options, projects []v1alpha1.Project) (*Fleet, error) {
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	f := &Fleet{opts: opts, members: map[string]*member{}}
	for i := range projects {
		m, err := f.member(ctx, &projects[i])
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("project %s: %w", Key(&projects[i]), err)
		}
		f.members[m.key] = m
	}
	return f, nil
}

func (f *Fleet) member(ctx context.Context, p *v1alpha1.Project) (*member, error) {
	m := &member{key: Key(p), project: *p}
	spec := &p.Spec
	var err error
	m.store, err = gitstore.Open(gitstore.Options{
		URL: spec.Repository.URL, Dir: filepath.Join(f.opts.StateDir, p.Namespace, p.Name),
		Branch: spec.Repository.Ref, StagePrefix: spec.StagePrefix,
		Auth: f.secret(p.Namespace, spec.Repository.SecretRef).gitAuth(),
	})
	if err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	ropts := f.opts.Reconciler
	ropts.Store = m.store
	ropts.Log = f.opts.Log.WithValues(keyProject, m.key)
	ropts.Metrics = metrics.New(prometheus.WrapRegistererWith(prometheus.Labels{keyProject: m.key}, f.opts.Registerer))
	if spec.Prometheus != nil {
		if ropts.Querier, err = evaluator.NewPrometheus(f.secret(p.Namespace, spec.Prometheus.SecretRef).prometheus(spec.Prometheus.URL)); err != nil {
			_ = m.store.Close()
			return nil, err
		}
	}
	if ropts.Announcer, err = event.NewSender(ctx, f.opts.Events); err != nil {
		_ = m.store.Close()
		return nil, err
	}
	server := f.opts.Server
	if spec.Forge != nil {
		c, err := forge.New(f.secret(p.Namespace, &spec.Forge.SecretRef).forge(spec.Forge))
		if err != nil {
			_ = m.store.Close()
			return nil, err
		}
		ropts.PullRequests, ropts.ForgePoll = c, spec.Interval.Duration
		store := m.store
		m.reviewer = review.New(review.Options{Store: store, Forge: c, Log: ropts.Log.WithName("review"),
			Plan: func(ctx context.Context, base, head, statusTip gitstore.Hash) (review.Plan, error) {
				return plan.Compute(ctx, store, base, head, statusTip, plan.Options{RenderLimits: ropts.Render})
			}})
		server.OnGitHook = m.reviewer.Trigger
	}
	r, err := reconciler.New(ropts)
	if err != nil {
		_ = m.store.Close()
		return nil, err
	}
	m.loop = reconciler.NewLoop(r, spec.Interval.Duration)
	m.handler = ingress.Handler(m.loop, server)
	return m, nil
}

const keyProject = "project"

// Run runs every project that is not suspended until ctx ends, then
// closes the mirrors.
func (f *Fleet) Run(ctx context.Context) error {
	defer f.Close()
	var wg sync.WaitGroup
	errs := make(chan error, len(f.members))
	for _, m := range f.members {
		if m.project.Spec.Suspend {
			continue
		}
		wg.Go(func() {
			if m.reviewer != nil {
				go m.reviewer.Run(ctx, m.project.Spec.Interval.Duration)
			}
			if err := m.loop.Run(logr.NewContext(ctx, f.opts.Log.WithValues(keyProject, m.key))); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("project %s: %w", m.key, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// Close closes every project's mirror.
func (f *Fleet) Close() {
	for _, m := range f.members {
		_ = m.store.Close()
	}
}

// Handler serves every project's endpoints at its own path —
// /hooks/<kind>/<namespace>/<name>, /api/v1/reports/<namespace>/<name>,
// /api/v1/events/<namespace>/<name> — and, for the process, /healthz,
// /readyz (ready once every project that runs has finished a pass; a
// project that cannot deliver says so in its status, not here) and
// /metrics.
func (f *Fleet) Handler(metricsHandler http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", f.ready)
	mux.Handle("GET /metrics", metricsHandler)
	route := func(prefix string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			m, ok := f.members[r.PathValue("namespace")+"/"+r.PathValue("name")]
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
	return mux
}

func (f *Fleet) ready(w http.ResponseWriter, _ *http.Request) {
	var lines []string
	ready := true
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
