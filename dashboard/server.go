package dashboard

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferrycd/ferry/gitstore"
)

// DefaultRefresh is how often the dashboard looks at each project's refs
// when Options.Refresh is zero.
const DefaultRefresh = time.Second

// Project is one delivery project the dashboard shows.
type Project struct {
	// Namespace and Name address the project: /projects/{namespace}/{name}.
	Namespace, Name string
	// Store is the project's mirror. The dashboard only reads it: a
	// Snapshot of the local refs and the Reader; it never pushes. With
	// Options.Fetch it also fetches it.
	Store *gitstore.Store
	// Conditions returns the project's conditions as its controller sees
	// them; nil means the conditions of status.json.
	Conditions func() []metav1.Condition
	// CommitURL is a forge URL template for a commit, "{sha}" replaced,
	// e.g. https://github.com/o/r/commit/{sha}. Empty: commits are not
	// linked.
	CommitURL string
	// PullURL is a forge URL template for a pull request, "{number}"
	// replaced: the link of a pending approval when status.json holds no
	// URL of its own.
	PullURL string
}

// Key is how the project is addressed: namespace/name.
func (p Project) Key() string { return p.Namespace + "/" + p.Name }

// Options configure a Server.
type Options struct {
	// Projects returns the projects to show; it is called per request, so
	// the set may change.
	Projects func() []Project
	// Refresh is how often each project's local refs are looked at for
	// live updates (DefaultRefresh if zero).
	Refresh time.Duration
	// Fetch makes the dashboard fetch each store itself, at most once per
	// Refresh, before it reads; without it, a running reconciler keeps the
	// mirrors fresh.
	Fetch bool
	// Log receives the errors of reads and fetches.
	Log logr.Logger
}

// Validate fills defaults.
func (o *Options) Validate() {
	if o.Refresh <= 0 {
		o.Refresh = DefaultRefresh
	}
	if o.Projects == nil {
		o.Projects = func() []Project { return nil }
	}
}

// Server serves the dashboard's pages, its read API and live updates. It
// is an http.Handler.
type Server struct {
	opts  Options
	mux   *http.ServeMux
	pages *pages
	live  *watcher
	cache *statusCache

	fetchMu sync.Mutex
	fetched map[*gitstore.Store]time.Time

	// closed ends every event stream: see Close.
	closed    chan struct{}
	closeOnce sync.Once
}

var _ http.Handler = (*Server)(nil)

// New returns a dashboard for opts. It starts no goroutine until a client
// follows live updates, and stops it when the last one leaves.
func New(opts Options) *Server {
	opts.Validate()
	s := &Server{
		opts: opts, mux: http.NewServeMux(), pages: newPages(),
		fetched: map[*gitstore.Store]time.Time{}, closed: make(chan struct{}), cache: newStatusCache(),
	}
	s.live = newWatcher(s)
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /api/v1/projects", s.apiProjects)
	s.mux.HandleFunc("GET /api/v1/projects/{namespace}/{name}/status", s.apiStatus)
	s.mux.HandleFunc("GET /api/v1/projects/{namespace}/{name}/services/{service}/history", s.apiHistory)
	s.mux.HandleFunc("GET /api/v1/projects/{namespace}/{name}/evaluations/{id}", s.apiEvaluation)
	s.mux.HandleFunc("GET /api/v1/projects/{namespace}/{name}/problems", s.apiProblems)

	s.mux.HandleFunc("GET /{$}", s.pageIndex)
	s.mux.HandleFunc("GET /projects/{namespace}/{name}", s.pageBoard)
	s.mux.HandleFunc("GET /projects/{namespace}/{name}/services/{service}", s.pageService)
	s.mux.HandleFunc("GET /projects/{namespace}/{name}/problems", s.pageProblems)
	s.mux.HandleFunc("GET /events", s.events)
	// A page's address with a trailing slash, as people type them.
	s.mux.HandleFunc("GET /projects/{namespace}/{name}/{$}", s.noSlash)
	s.mux.HandleFunc("GET /projects/{namespace}/{name}/services/{service}/{$}", s.noSlash)
	s.mux.HandleFunc("GET /projects/{namespace}/{name}/problems/{$}", s.noSlash)
	s.mux.Handle("GET /assets/", assetHandler())
}

// noSlash redirects a page's address with a trailing slash to the page.
func (s *Server) noSlash(w http.ResponseWriter, r *http.Request) {
	u := *r.URL
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
}

// Close ends every event stream, now and later, so that an http.Server's
// Shutdown, which waits for requests to finish, does not wait for them:
// register it with http.Server.RegisterOnShutdown. Browsers reconnect to
// the server that replaces this one. Pages and the API are still served.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "same-origin")
	s.mux.ServeHTTP(w, r)
}

// project finds the project a request addresses.
func (s *Server) project(r *http.Request) (Project, bool) {
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	for _, p := range s.opts.Projects() {
		if p.Namespace == ns && p.Name == name && p.Store != nil {
			return p, true
		}
	}
	return Project{}, false
}

// refresh fetches p's store when Options.Fetch is set and the last fetch
// is older than Refresh. A failed fetch is logged; the mirror as it is
// is read.
func (s *Server) refresh(ctx context.Context, p Project) {
	if !s.opts.Fetch {
		return
	}
	s.fetchMu.Lock()
	last := s.fetched[p.Store]
	due := time.Since(last) >= s.opts.Refresh
	if due {
		s.fetched[p.Store] = time.Now()
	}
	s.fetchMu.Unlock()
	if !due {
		return
	}
	if _, err := p.Store.Fetch(ctx); err != nil {
		s.opts.Log.Error(err, "fetch failed", "project", p.Key(), "url", p.Store.URL())
	}
}

// forget drops the fetch times of the stores not in keep: those of
// projects no longer shown.
func (s *Server) forget(keep map[*gitstore.Store]bool) {
	s.fetchMu.Lock()
	defer s.fetchMu.Unlock()
	for st := range s.fetched {
		if !keep[st] {
			delete(s.fetched, st)
		}
	}
}
