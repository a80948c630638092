package idle_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/reconciler/idle"
	"github.com/ferrycd/ferry/status"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func snapshot(refs map[string]string) gitstore.Snapshot {
	s := gitstore.Snapshot{Refs: map[string]gitstore.Hash{}}
	for ref, h := range refs {
		s.Refs[ref] = gitstore.NewHash(h)
	}
	return s
}

var refs = map[string]string{
	"refs/heads/main":         "1111111111111111111111111111111111111111",
	"refs/heads/stage/dev":    "2222222222222222222222222222222222222222",
	"refs/heads/ferry/status": "3333333333333333333333333333333333333333",
}

// What a restarted process reads back tells "nothing to do" only for the
// same refs, before the wait ends, under the same key, with no run
// waiting on a subscriber's answer, and a clock not behind the pass's.
func TestMemoryAcrossARestart(t *testing.T) {
	moved := map[string]string{}
	for k, v := range refs {
		moved[k] = v
	}
	moved["refs/heads/stage/dev"] = "4444444444444444444444444444444444444444"
	lost := map[string]string{"refs/heads/main": refs["refs/heads/main"], "refs/heads/stage/dev": refs["refs/heads/stage/dev"]}
	for _, tc := range []struct {
		name  string
		key   string
		waits bool
		refs  map[string]string
		now   time.Time
		want  bool
	}{
		{name: "same refs before the wait ends", key: "k", refs: refs, now: t0.Add(time.Minute), want: true},
		{name: "the wait ended", key: "k", refs: refs, now: t0.Add(time.Hour)},
		{name: "a stage branch moved", key: "k", refs: moved, now: t0},
		{name: "ferry/status lost", key: "k", refs: lost, now: t0},
		{name: "another key", key: "k2", refs: refs, now: t0},
		{name: "a run waits on a subscriber", key: "k", waits: true, refs: refs, now: t0},
		{name: "the clock moved back", key: "k", refs: refs, now: t0.Add(-time.Minute)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), idle.File)
			m := idle.Open(file, "k")
			stall := &status.Stall{Reason: status.ReasonInvalidProject}
			st := &status.Branch{Slots: map[string]*status.Slot{"dev/carts": {Stage: "dev", Queue: []*status.Run{{}, {}}}}}
			m.Remember(snapshot(refs), t0, t0.Add(30*time.Minute), stall, st)
			m.Save(tc.waits)
			// The process that wrote it trusts its memory whatever the waits.
			if _, ok := m.Still(snapshot(refs), t0); !ok {
				t.Error("the writing process forgot its own idle pass")
			}
			res, ok := idle.Open(file, tc.key).Still(snapshot(tc.refs), tc.now)
			if ok != tc.want {
				t.Fatalf("after a restart: still idle %t, want %t", ok, tc.want)
			}
			if ok {
				if diff := cmp.Diff(idle.Result{Next: t0.Add(30 * time.Minute), Stall: stall, Queued: map[string]int{"dev": 2}}, res, cmp.Comparer(func(a, b *status.Stall) bool { return a.Reason == b.Reason })); diff != "" {
					t.Errorf("result (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestUnreadableMemoryIsIgnored(t *testing.T) {
	file := filepath.Join(t.TempDir(), idle.File)
	if err := os.WriteFile(file, []byte("{\"format\":1,"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := idle.Open(file, "k").Still(snapshot(refs), t0); ok {
		t.Error("a truncated file was trusted")
	}
	m := idle.Open("", "k") // in memory only
	m.Remember(snapshot(refs), t0, time.Time{}, nil, nil)
	m.Save(false)
	if _, ok := m.Still(snapshot(refs), t0.Add(24*time.Hour)); !ok {
		t.Error("with no wait, the memory holds until a ref moves")
	}
	m.Forget()
	if _, ok := m.Still(snapshot(refs), t0); ok {
		t.Error("a forgotten memory was trusted")
	}
}

// A pass that stopped after the fetch saves nothing: it read no status, so
// it cannot say whether a run waits on a subscriber.
func TestOnlyTheRememberingPassSaves(t *testing.T) {
	file := filepath.Join(t.TempDir(), idle.File)
	m := idle.Open(file, "k")
	m.Remember(snapshot(refs), t0, time.Time{}, nil, nil)
	if _, ok := m.Still(snapshot(refs), t0); !ok {
		t.Fatal("the memory was not trusted in its process")
	}
	m.Save(false)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a skipped pass saved the memory: %v", err)
	}
}
