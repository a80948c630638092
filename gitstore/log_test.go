package gitstore_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

// logRef is the branch the history of the log tests lives on.
const logRef = "refs/heads/ferry/log"

// history is a branch with a merge, built in a batch:
//
//	c1 - c2 - c3 - m - c4     (logRef, first parents)
//	       \      /
//	        s1 - s2           (a side branch merged into m)
//
// c1 writes a and dir/x, c2..c4 change a, s1 changes dir/x, s2 adds b and
// carries the trailer Ferry-Run: r1. m takes the side's files.
type history struct {
	s     *gitstore.Store
	srv   *gittest.InProcess
	b     *gitstore.Batch
	c     map[string]gitstore.Hash
	names map[gitstore.Hash]string
}

func newHistory(t *testing.T) *history {
	t.Helper()
	srv, _ := seeded(t)
	s := openStore(t, srv.URL)
	h := &history{s: s, srv: srv, b: s.Begin(fetch(t, s).Snapshot), c: map[string]gitstore.Hash{}, names: map[gitstore.Hash]string{}}
	side := gitstore.BranchRef("ferry/side")
	h.commit(t, "c1", logRef, nil, gitstore.Put("a", []byte("1")), gitstore.Put("dir/x", []byte("1")))
	h.commit(t, "c2", logRef, nil, gitstore.Put("a", []byte("2")))
	h.b.SetRef(side, h.c["c2"])
	h.commit(t, "s1", side, nil, gitstore.Put("dir/x", []byte("2")))
	h.commit(t, "s2", side, gitstore.Trailers{{Key: gitstore.TrailerRun, Value: "r1"}}, gitstore.Put("b", []byte("1")))
	h.commit(t, "c3", logRef, nil, gitstore.Put("a", []byte("3")))
	c3, err := h.b.Reader.Commit(h.c["c3"])
	if err != nil {
		t.Fatal(err)
	}
	tree, err := h.b.WriteTree(c3.Tree, []gitstore.Edit{gitstore.Put("dir/x", []byte("2")), gitstore.Put("b", []byte("1"))})
	if err != nil {
		t.Fatal(err)
	}
	m, err := h.b.CreateCommit(tree, []gitstore.Hash{h.c["c3"], h.c["s2"]}, gitstore.CommitRequest{Message: "m"})
	if err != nil {
		t.Fatal(err)
	}
	h.name("m", m)
	h.b.SetRef(logRef, m)
	h.commit(t, "c4", logRef, nil, gitstore.Put("a", []byte("4")))
	return h
}

func (h *history) commit(t *testing.T, name, ref string, tr gitstore.Trailers, edits ...gitstore.Edit) {
	t.Helper()
	c, err := h.b.Commit(ref, gitstore.CommitRequest{Message: name, Trailers: tr, Edits: edits})
	if err != nil {
		t.Fatal(err)
	}
	h.name(name, c)
}

func (h *history) name(name string, c gitstore.Hash) {
	h.c[name] = c
	h.names[c] = name
}

// log returns the names of the commits Log passes on.
func (h *history) log(r gitstore.Reader, start string, opts gitstore.LogOptions) ([]string, error) {
	var got []string
	err := r.Log(h.c[start], opts, func(c *gitstore.Commit) error {
		got = append(got, h.names[c.Hash])
		return nil
	})
	return got, err
}

func TestLog(t *testing.T) {
	h := newHistory(t)
	tests := []struct {
		name string
		opts gitstore.LogOptions
		want []string
	}{
		{"first parent", gitstore.LogOptions{FirstParent: true}, []string{"c4", "m", "c3", "c2", "c1"}},
		{"every parent, breadth first", gitstore.LogOptions{}, []string{"c4", "m", "c3", "s2", "c2", "s1", "c1"}},
		{"limit", gitstore.LogOptions{Limit: 2}, []string{"c4", "m"}},
		{"until, first parent", gitstore.LogOptions{FirstParent: true, Until: h.c["c2"]}, []string{"c4", "m", "c3"}},
		{"until hides its ancestors", gitstore.LogOptions{Until: h.c["c2"]}, []string{"c4", "m", "c3", "s2", "s1"}},
		{"until on the side branch", gitstore.LogOptions{Until: h.c["s1"]}, []string{"c4", "m", "c3", "s2"}},
		{"until the start", gitstore.LogOptions{Until: h.c["c4"]}, nil},
		{"until a commit not in history", gitstore.LogOptions{FirstParent: true, Until: gitstore.NewHash(strings.Repeat("1", 40))}, []string{"c4", "m", "c3", "c2", "c1"}},
		{"path, first parent", gitstore.LogOptions{FirstParent: true, Path: "dir"}, []string{"m", "c1"}},
		{"path, every parent", gitstore.LogOptions{Path: "dir/x"}, []string{"m", "s1", "c1"}},
		{"path added on the side", gitstore.LogOptions{Path: "b"}, []string{"m", "s2"}},
		{"path never changed", gitstore.LogOptions{Path: "nope"}, nil},
		{"path counts towards the limit", gitstore.LogOptions{FirstParent: true, Path: "dir", Limit: 3}, []string{"m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.log(h.b.Reader, "c4", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Log (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLogStopsAndFails(t *testing.T) {
	h := newHistory(t)
	var got []string
	err := h.b.Log(h.c["c4"], gitstore.LogOptions{}, func(c *gitstore.Commit) error {
		got = append(got, h.names[c.Hash])
		if len(got) == 2 {
			return gitstore.ErrStopWalk
		}
		return nil
	})
	if err != nil || !cmp.Equal(got, []string{"c4", "m"}) {
		t.Errorf("stopped walk = %v, %v; want [c4 m], nil", got, err)
	}

	boom := errors.New("boom")
	err = h.b.Log(h.c["c4"], gitstore.LogOptions{}, func(*gitstore.Commit) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("Log with a failing fn = %v, want boom", err)
	}
	if err := h.b.Log(gitstore.ZeroHash, gitstore.LogOptions{}, func(*gitstore.Commit) error { return boom }); err != nil {
		t.Errorf("Log from nothing = %v, want nil", err)
	}
	missing := gitstore.NewHash(strings.Repeat("2", 40))
	if err := h.b.Log(missing, gitstore.LogOptions{}, func(*gitstore.Commit) error { return nil }); !gitstore.IsNotFound(err) {
		t.Errorf("Log from a missing commit = %v, want not found", err)
	}
	if err := h.b.Log(h.c["c4"], gitstore.LogOptions{Path: "../x"}, func(*gitstore.Commit) error { return nil }); err == nil {
		t.Errorf("Log accepted path ../x")
	}
}

func TestFirstParent(t *testing.T) {
	h := newHistory(t)
	for name, want := range map[string]string{"c1": "", "c2": "c1", "m": "c3", "s1": "c2"} {
		c, err := h.b.Reader.Commit(h.c[name])
		if err != nil {
			t.Fatal(err)
		}
		if got := h.names[c.FirstParent()]; got != want || (want == "") != c.FirstParent().IsZero() {
			t.Errorf("%s.FirstParent() = %s, want %q", name, c.FirstParent(), want)
		}
	}
}

func TestFind(t *testing.T) {
	h := newHistory(t)
	run := func(c *gitstore.Commit) bool { return c.Trailers.Ferry().Run == "r1" }
	c, err := h.b.Find(h.c["c4"], gitstore.LogOptions{}, run)
	if err != nil || h.names[c.Hash] != "s2" {
		t.Errorf("Find through merges = %v, %v; want s2", c, err)
	}
	if _, err := h.b.Find(h.c["c4"], gitstore.LogOptions{FirstParent: true}, run); !gitstore.IsNotFound(err) {
		t.Errorf("Find on first parents = %v, want not found", err)
	}
	newest, err := h.b.Find(h.c["c4"], gitstore.LogOptions{FirstParent: true, Path: "dir/x"}, func(*gitstore.Commit) bool { return true })
	if err != nil || h.names[newest.Hash] != "m" {
		t.Errorf("newest commit changing dir/x = %v, %v; want m", newest, err)
	}
}

func TestIsAncestor(t *testing.T) {
	h := newHistory(t)
	missing := gitstore.NewHash(strings.Repeat("3", 40))
	tests := []struct {
		name                 string
		ancestor, descendant gitstore.Hash
		opts                 gitstore.LogOptions
		want                 bool
	}{
		{"first parent", h.c["c2"], h.c["c4"], gitstore.LogOptions{FirstParent: true}, true},
		{"itself", h.c["c4"], h.c["c4"], gitstore.LogOptions{FirstParent: true}, true},
		{"descendant is not an ancestor", h.c["c4"], h.c["c2"], gitstore.LogOptions{}, false},
		{"merged side, first parent", h.c["s1"], h.c["c4"], gitstore.LogOptions{FirstParent: true}, false},
		{"merged side, every parent", h.c["s1"], h.c["c4"], gitstore.LogOptions{}, true},
		{"beyond the limit", h.c["c1"], h.c["c4"], gitstore.LogOptions{FirstParent: true, Limit: 4}, false},
		{"within the limit", h.c["c1"], h.c["c4"], gitstore.LogOptions{FirstParent: true, Limit: 5}, true},
		{"missing ancestor", missing, h.c["c4"], gitstore.LogOptions{}, false},
		{"missing descendant", h.c["c1"], missing, gitstore.LogOptions{}, false},
		{"zero", gitstore.ZeroHash, h.c["c4"], gitstore.LogOptions{}, false},
		{"path is ignored", h.c["c3"], h.c["c4"], gitstore.LogOptions{Path: "b"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.b.IsAncestor(tt.ancestor, tt.descendant, tt.opts)
			if err != nil || got != tt.want {
				t.Errorf("IsAncestor = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestLogAgreesWithGit pushes the history and compares walks of the
// store's mirror with git rev-list on the remote.
func TestLogAgreesWithGit(t *testing.T) {
	h := newHistory(t)
	if _, err := h.s.Push(context.Background(), h.b); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		opts   gitstore.LogOptions
		args   []string
		sorted bool // git orders by date; compare as sets
	}{
		{"first parent", gitstore.LogOptions{FirstParent: true}, []string{"--first-parent", logRef}, false},
		{"first parent with path", gitstore.LogOptions{FirstParent: true, Path: "dir"}, []string{"--first-parent", logRef, "--", "dir"}, false},
		{"every parent", gitstore.LogOptions{}, []string{logRef}, true},
		{"range", gitstore.LogOptions{Until: h.c["c2"]}, []string{"^" + h.c["c2"].String(), logRef}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.log(h.s.Reader, "c4", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, line := range strings.Split(gittest.Git(t, h.srv.Dir, append([]string{"rev-list"}, tt.args...)...), "\n") {
				want = append(want, h.names[gitstore.NewHash(line)])
			}
			if tt.sorted {
				sort.Strings(got)
				sort.Strings(want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Log vs git rev-list (-git +ferry):\n%s", diff)
			}
		})
	}
}
