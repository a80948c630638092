package reconciler_test

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferrycd/ferry/event"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler"
)

// announcements counts the passes that computed a status: every full pass
// announces, a pass that stops after the fetch does not.
type announcements struct{ n atomic.Int32 }

func (a *announcements) Announce([]event.Wait) { a.n.Add(1) }

// restart stands for a new ferry process on the same state directory: a new
// store (cold caches) and a new reconciler, with edit applied to its
// options.
func (w *world) restart(edit func(*reconciler.Options)) *announcements {
	w.t.Helper()
	opts := w.store.Options()
	_ = w.store.Close()
	var err error
	if w.store, err = gitstore.Open(opts); err != nil {
		w.t.Fatal(err)
	}
	a := &announcements{}
	w.rec = w.withOptions(func(o *reconciler.Options) {
		o.Announcer = a
		if edit != nil {
			edit(o)
		}
	})
	return a
}

// A restarted ferry's first pass skips the work only when the last pass
// before the restart found nothing to do over the very same refs and no
// wait has ended since; whatever moved behind its back, it does.
func TestRestartSkipsOnlyWhatIsDone(t *testing.T) {
	for _, tc := range []struct {
		name string
		// before runs on the world before the restart; change after it,
		// before its first pass (wait is the wake-up of the last pass
		// before the restart).
		before func(w *world)
		change func(w *world, wait time.Time)
		edit   func(*reconciler.Options)
		// full says the first pass must compute a status.
		full bool
		// check runs once the world settled after the restart.
		check func(t *testing.T, w *world)
	}{
		{name: "nothing moved", change: func(*world, time.Time) {}, check: production("carts:0.11.2")},
		{name: "main moved", full: true, change: func(w *world, _ time.Time) { w.bump("carts:0.11.3") }, check: production("carts:0.11.3")},
		{name: "a wait ended", full: true, change: func(w *world, wait time.Time) { w.now = wait }, check: production("carts:0.11.2")},
		{name: "ferry/status deleted", full: true, change: func(w *world, _ time.Time) {
			w.git("update-ref", "-d", "refs/heads/ferry/status")
		}, check: func(t *testing.T, w *world) {
			if _, err := gittest.TryGit(w.dir, "rev-parse", "--verify", "ferry/status"); err != nil {
				t.Errorf("ferry/status was not written again: %v", err)
			}
		}},
		{name: "stage branch moved", full: true, change: func(w *world, _ time.Time) {
			gittest.CommitFiles(t, w.dir, "stage/dev", "a hand-made commit", gittest.Files{"services/carts/manifests.yaml": gittest.Text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hand-made, namespace: sockshop-dev}\n")})
		}, check: func(*testing.T, *world) {}},
		{name: "triggered", full: true, change: func(w *world, _ time.Time) { reconciler.NewLoop(w.rec, time.Minute).Trigger() }, check: production("carts:0.11.2")},
		{name: "settings changed", full: true, change: func(*world, time.Time) {}, edit: func(o *reconciler.Options) { o.Timeout = 2 * time.Hour }, check: production("carts:0.11.2")},
		{name: "verified stages changed", full: true, change: func(*world, time.Time) {}, edit: func(o *reconciler.Options) { o.Verifier = o.Verifier.WithStages("production") }, check: func(*testing.T, *world) {}},
		{name: "idle memory unreadable", full: true, change: func(*world, time.Time) {}, before: func(w *world) {
			if err := os.WriteFile(filepath.Join(w.store.Options().Dir, "idle.json"), []byte("{"), 0o600); err != nil {
				w.t.Fatal(err)
			}
		}, check: production("carts:0.11.2")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, "promote.txtar")
			w.rec = w.withOptions(func(o *reconciler.Options) { o.Announcer = &announcements{} })
			w.settle(time.Hour)
			w.bump("carts:0.11.2")
			wait := w.passUntilWaiting() // dev's deployment settles

			if tc.before != nil {
				tc.before(w)
			}
			a := w.restart(tc.edit)
			tc.change(w, wait)
			w.sample()
			if _, err := w.rec.Pass(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := a.n.Load() > 0; got != tc.full {
				t.Errorf("first pass after the restart computed the status: %t, want %t", got, tc.full)
			}
			w.settle(time.Hour)
			tc.check(t, w)
		})
	}
}

// passUntilWaiting runs passes until one pushes nothing and waits, and
// returns when its wait ends.
func (w *world) passUntilWaiting() time.Time {
	w.t.Helper()
	for range 100 {
		w.sample()
		res, err := w.rec.Pass(context.Background())
		if err != nil {
			w.t.Fatal(err)
		}
		if !res.Pushed {
			if res.Next.IsZero() {
				w.t.Fatal("nothing waits")
			}
			return res.Next
		}
	}
	w.t.Fatal("no quiet pass after 100 passes")
	return time.Time{}
}

func production(image string) func(*testing.T, *world) {
	return func(t *testing.T, w *world) {
		t.Helper()
		if got := w.image("production"); got != image {
			t.Errorf("production deploys %q, want %q", got, image)
		}
	}
}
