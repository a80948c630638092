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

// Change is the data of a "refs" event: a project's refs moved.
type Change struct {
	Project string `json:"project"`
	// Refs is a digest of the project's refs, the same until one moves.
	Refs string `json:"refs"`
}

// watcher looks at every project's refs each Refresh while at least one
// client follows /events, and tells the clients which projects moved.
type watcher struct {
	s *Server

	mu     sync.Mutex
	subs   map[chan Change]struct{}
	cancel context.CancelFunc
	done   chan struct{}
	// scanMu guards refs, the last digest seen per project: a loop that
	// is stopping may still scan while the next one starts.
	scanMu sync.Mutex
	refs   map[string]string
}

func newWatcher(s *Server) *watcher {
	return &watcher{s: s, subs: map[chan Change]struct{}{}, refs: map[string]string{}}
}

// subscribe adds a client; the first one starts the loop.
func (w *watcher) subscribe() chan Change {
	ch := make(chan Change, 16)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.subs[ch] = struct{}{}
	if w.cancel == nil {
		ctx, cancel := context.WithCancel(context.Background())
		w.cancel, w.done = cancel, make(chan struct{})
		w.scan(ctx) // the digests clients' pages were rendered from
		go w.loop(ctx, w.done)
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
		w.cancel, w.done = nil, nil
	}
	w.mu.Unlock()
	if done != nil {
		<-done
	}
}

func (w *watcher) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(w.s.opts.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changes := w.scan(ctx)
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
// moved since the last scan.
func (w *watcher) scan(ctx context.Context) []Change {
	w.scanMu.Lock()
	defer w.scanMu.Unlock()
	var out []Change
	seen := map[string]bool{}
	stores := map[*gitstore.Store]bool{}
	for _, p := range w.s.projects() {
		stores[p.Store] = true
		w.s.refresh(ctx, p)
		snap, err := p.Store.Snapshot()
		if err != nil {
			w.s.opts.Log.Error(err, "read refs failed", "project", p.Key())
			continue
		}
		names := make([]string, 0, len(snap.Refs))
		for n := range snap.Refs {
			names = append(names, n)
		}
		sort.Strings(names)
		h := sha256.New()
		for _, n := range names {
			_, _ = fmt.Fprintf(h, "%s %s\n", n, snap.Refs[n])
		}
		digest := hex.EncodeToString(h.Sum(nil))[:16]
		key := p.Key()
		seen[key] = true
		if old, ok := w.refs[key]; ok && old != digest {
			out = append(out, Change{Project: key, Refs: digest})
		}
		w.refs[key] = digest
	}
	for k := range w.refs {
		if !seen[k] {
			delete(w.refs, k)
		}
	}
	w.s.forget(stores)
	return out
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
	ch := s.live.subscribe()
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
