package dashboard

import (
	"context"
	"sync"
	"testing"

	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

const cacheTestStatus = `{"formatVersion": 2, "updated": "2026-11-30T12:00:00Z", "conditions": [], "stages": [{"name": "dev", "services": []}]}
`

// TestStatusCache checks that requests for the same ferry/status commit
// share one parse of it, that a new commit is parsed again, and that a
// project no longer shown leaves the cache.
func TestStatusCache(t *testing.T) {
	dir := gittest.InitBare(t)
	gittest.CommitFiles(t, dir, "ferry/status", "status", gittest.Files{
		"status.json": gittest.Text(cacheTestStatus), "state.yaml": gittest.Text("formatVersion: 2\nnextRun: 3\n"),
	})
	store, err := gitstore.Open(gitstore.Options{URL: dir, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	fetch := func() {
		t.Helper()
		if _, err := store.Fetch(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	fetch()
	var mu sync.Mutex
	shown := []Project{{Namespace: "shop", Name: "sockshop", Store: store}}
	s := New(Options{Projects: func() []Project {
		mu.Lock()
		defer mu.Unlock()
		return shown
	}, Log: logr.Discard()})
	p := shown[0]
	read := func() *state {
		t.Helper()
		st, err := s.load(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.summary(); err != nil {
			t.Fatal(err)
		}
		if _, err := st.branch(); err != nil {
			t.Fatal(err)
		}
		return st
	}
	first, again := read(), read()
	sum1, _ := first.summary()
	sum2, _ := again.summary()
	b1, _ := first.branch()
	b2, _ := again.branch()
	if sum1 != sum2 || b1 != b2 {
		t.Error("two reads of the same ferry/status commit parsed it twice")
	}

	gittest.CommitFiles(t, dir, "ferry/status", "next pass", gittest.Files{"state.yaml": gittest.Text("formatVersion: 2\nnextRun: 4\n")})
	fetch()
	next := read()
	if b3, _ := next.branch(); b3 == b1 || b3.State.NextRun != 4 {
		t.Errorf("after a new ferry/status commit: nextRun %d, want 4 read anew", b3.State.NextRun)
	}

	mu.Lock()
	shown = nil
	mu.Unlock()
	s.projects()
	if n := len(s.cache.projects); n != 0 {
		t.Errorf("%d projects cached after the project went away, want 0", n)
	}
}
