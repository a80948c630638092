package dashboard_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/dashboard"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/demo"
	"github.com/ferrycd/ferry/status"
)

// The sock-shop story of `ferry demo`, played once for the package: carts
// 0.11.1 through dev, staging and production; 0.11.2 failing the staging
// gate and rolled back; a production problem closed by scaling.
var story struct {
	once sync.Once
	dir  string
	out  bytes.Buffer
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if story.dir != "" {
		_ = os.RemoveAll(story.dir)
	}
	os.Exit(code)
}

// storyRepo returns a copy of the story's repository, the test's own to
// change.
func storyRepo(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("the story plays for half a minute")
	}
	story.once.Do(func() {
		// The story runs against the clock (an agent, workloads and a
		// scraping Prometheus); on a loaded machine an act may miss its
		// deadline, so it gets a second chance.
		for attempt := 1; attempt <= 2; attempt++ {
			if story.dir != "" {
				_ = os.RemoveAll(story.dir)
			}
			story.dir, story.err = os.MkdirTemp("", "ferry-dashboard-story-")
			if story.err != nil {
				return
			}
			fmt.Fprintf(&story.out, "attempt %d:\n", attempt)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			story.err = demo.Run(ctx, demo.Options{Dir: story.dir, Speed: 2, Out: &story.out})
			cancel()
			if story.err == nil {
				return
			}
		}
	})
	if story.err != nil {
		tb.Fatalf("play the story: %v\n%s", story.err, story.out.String())
	}
	dst := filepath.Join(tb.TempDir(), "sockshop.git")
	if out, err := exec.Command("git", "clone", "-q", "--mirror", filepath.Join(story.dir, "sockshop.git"), dst).CombinedOutput(); err != nil {
		tb.Fatalf("copy the story's repository: %v\n%s", err, out)
	}
	return dst
}

// fixture is a dashboard over one project, served by a real HTTP server.
type fixture struct {
	repo  string
	store *gitstore.Store
	srv   *httptest.Server
}

const (
	testCommitURL = "https://forge.example/shop/sockshop/commit/{sha}"
	testPullURL   = "https://forge.example/shop/sockshop/pull/{number}"
)

// newFixture serves the dashboard of repo as project shop/sockshop, the
// dashboard fetching the repository itself.
func newFixture(tb testing.TB, repo string) *fixture {
	tb.Helper()
	return newFixtureFetching(tb, repo, true)
}

// newFixtureFetching is newFixture, the dashboard fetching or not.
func newFixtureFetching(tb testing.TB, repo string, fetch bool) *fixture {
	tb.Helper()
	s, err := gitstore.Open(gitstore.Options{URL: repo, Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	if _, err := s.Fetch(context.Background()); err != nil {
		tb.Fatal(err)
	}
	p := dashboard.Project{Namespace: "shop", Name: "sockshop", Store: s, CommitURL: testCommitURL, PullURL: testPullURL}
	d := dashboard.New(dashboard.Options{
		Projects: func() []dashboard.Project { return []dashboard.Project{p} },
		Refresh:  100 * time.Millisecond, Fetch: fetch, Log: logr.Discard(),
	})
	srv := httptest.NewServer(d)
	tb.Cleanup(func() {
		srv.CloseClientConnections() // event streams end with their clients
		srv.Close()
	})
	return &fixture{repo: repo, store: s, srv: srv}
}

// proposeProduction records on ferry/status what a pass of ferry records
// when it proposes a candidate to production for approval: carts' run
// waits for the merge of pull request 7. It returns the commit.
func proposeProduction(tb testing.TB, repo, pin string) string {
	tb.Helper()
	w, err := gitstore.Open(gitstore.Options{URL: repo, Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = w.Close() }()
	return propose(tb, w, pin, 7)
}

// propose records the proposal through the store w, as the loop does
// through its own.
func propose(tb testing.TB, w *gitstore.Store, pin string, pr int) string {
	tb.Helper()
	head, err := proposal(w, pin, pr)
	if err != nil {
		tb.Fatalf("propose carts to production: %v", err)
	}
	return head
}

// proposal is propose without a test: what a goroutine of a test calls.
func proposal(w *gitstore.Store, pin string, pr int) (string, error) {
	now := time.Now().UTC()
	var head gitstore.Hash
	_, err := w.Update(context.Background(), func(snap gitstore.Snapshot, b *gitstore.Batch) error {
		ref := w.FerryRef("status")
		br, err := status.Read(w.Reader, snap.Get(ref), nil)
		if err != nil {
			return err
		}
		data, err := w.ReadFile(snap.Get(ref), status.JSONFile)
		if err != nil {
			return err
		}
		old, err := status.ParseSummary(data)
		if err != nil {
			return err
		}
		slot := br.Slot("production", "carts")
		slot.Current = &status.Run{
			ID: "r99", Candidate: old.Main, Sequence: "delivery", Phase: status.PhaseWaiting,
			TaskName: "approval", Waiting: status.WaitApproval, Proposed: true, PullRequest: pr,
			Pin: pin, Since: now, TaskStarted: now,
		}
		sum := status.Summarize(br, status.Input{
			Now: now, Project: old.Project, Main: old.Main, Stages: old.StageNames(), Services: old.ServiceNames(),
		})
		edits := append(br.Edits(), gitstore.Put(status.JSONFile, sum.JSON()), gitstore.Put(status.MarkdownFile, sum.Markdown()))
		head, err = b.Commit(ref, gitstore.CommitRequest{Message: "status: carts in production waits for approval", Edits: edits})
		return err
	})
	return head.String(), err
}

func (f *fixture) url(path string) string { return f.srv.URL + path }
