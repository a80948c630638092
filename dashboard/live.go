package dashboard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/ferrycd/ferry/gitstore"
)

// heartbeat is how often an idle event stream sends a comment, so that
// proxies keep it open.
const heartbeat = 15 * time.Second

// Change is the data of a "refs" event: a project's refs moved, or the
// project appeared or went away.
type Change struct {
	Project string `json:"project"`
	// Refs is a digest of the project's refs, the same until one moves;
	// empty when the project is no longer shown.
	Refs string `json:"refs"`
}

// watcher looks at every project's refs each Refresh while at least one
// client follows /events, and tells the clients which projects moved.
type watcher struct {
	s *Server

	// mu guards the clients and the loop's handles; it is never held
	// while refs are read or fetched.
	mu     sync.Mutex
	subs   map[chan Change]struct{}
	cancel context.CancelFunc
	done   chan struct{}
	// ready is closed once the loop's first scan recorded the refs.
	ready chan struct{}
	// scanMu guards refs, the last digest seen per project: a loop that
	// is stopping may still scan while the next one starts.
	scanMu sync.Mutex
	refs   map[string]string
}

func newWatcher(s *Server) *watcher {
	return &watcher{s: s, subs: map[chan Change]struct{}{}, refs: map[string]string{}}
}

// subscribe adds a client; the first one starts the loop. It returns once
// the loop recorded the refs the client's page was rendered from, or ctx
// ended.
func (w *watcher) subscribe(ctx context.Context) chan Change {
	ch := make(chan Change, 16)
	w.mu.Lock()
	w.subs[ch] = struct{}{}
	if w.cancel == nil {
		loopCtx, cancel := context.WithCancel(context.Background())
		w.cancel, w.done, w.ready = cancel, make(chan struct{}), make(chan struct{})
		go w.loop(loopCtx, w.done, w.ready)
	}
	ready := w.ready
	w.mu.Unlock()
	select {
	case <-ready:
	case <-ctx.Done():
	}
	return ch
}

// unsubscribe removes a client; the last one stops the loop and waits
// for it.
func (w *watcher) unsubscribe(ch chan Change) {
	w.mu.Lock()
	delete(w.subs, ch)
	var done chan struct{}
	if len(w.subs) == 0 && w.cancel != nil {
		w.cancel()
		done = w.done
		w.cancel, w.done, w.ready = nil, nil, nil
	}
	w.mu.Unlock()
	if done != nil {
		<-done
	}
}

func (w *watcher) loop(ctx context.Context, done, ready chan struct{}) {
	defer close(done)
	w.scan(ctx, true)
	close(ready)
	t := time.NewTicker(w.s.opts.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changes := w.scan(ctx, false)
		w.mu.Lock()
		for ch := range w.subs {
			for _, c := range changes {
				select {
				case ch <- c:
				default: // a slow client catches up with the next change
				}
			}
		}
		w.mu.Unlock()
	}
}

// scan reads every project's refs and returns the projects whose refs
// moved since the last scan, the projects shown for the first time and
// those no longer shown. The first scan of a loop only records the refs.
func (w *watcher) scan(ctx context.Context, first bool) []Change {
	w.scanMu.Lock()
	defer w.scanMu.Unlock()
	var out []Change
	seen := map[string]bool{}
	stores := map[*gitstore.Store]bool{}
	for _, p := range w.s.projects() {
		stores[p.Store] = true
		key := p.Key()
		seen[key] = true
		w.s.refresh(ctx, p)
		snap, err := p.Store.Snapshot()
		if err != nil {
			w.s.opts.Log.Error(err, "read refs failed", "project", key)
			continue
		}
		digest := refsDigest(snap)
		if old, ok := w.refs[key]; !first && (!ok || old != digest) {
			out = append(out, Change{Project: key, Refs: digest})
		}
		w.refs[key] = digest
	}
	for k := range w.refs {
		if !seen[k] {
			delete(w.refs, k)
			if !first {
				out = append(out, Change{Project: k})
			}
		}
	}
	w.s.forget(stores)
	return out
}

// refsDigest is a digest of a snapshot's refs, names and targets.
func refsDigest(snap gitstore.Snapshot) string {
	names := make([]string, 0, len(snap.Refs))
	for n := range snap.Refs {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		_, _ = fmt.Fprintf(h, "%s %s\n", n, snap.Refs[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// events streams "refs" events (server-sent events), one per project
// whose refs moved; ?project=namespace/name keeps one project's.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	only := r.URL.Query().Get("project")
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	select {
	case <-s.closed:
		http.Error(w, "the dashboard is shutting down", http.StatusServiceUnavailable)
		return
	default:
	}
	// A stream outlives the server's write timeout, which is meant for
	// the other requests.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	ch := s.live.subscribe(r.Context())
	defer s.live.unsubscribe(ch)
	_, _ = fmt.Fprint(w, "retry: 2000\n: ferry dashboard\n\n")
	flusher.Flush()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		case <-beat.C:
			_, _ = fmt.Fprint(w, ": keep-alive\n\n")
		case c := <-ch:
			if only != "" && c.Project != only {
				continue
			}
			data, _ := json.Marshal(c)
			_, _ = fmt.Fprintf(w, "event: refs\ndata: %s\n\n", data)
		}
		flusher.Flush()
	}
}
