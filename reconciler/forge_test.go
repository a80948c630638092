package reconciler_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler"
)

// githubAPI answers the two pull request calls ferry makes, as GitHub's
// REST API documents them; the test sets the state reviews reach.
type githubAPI struct {
	mu      sync.Mutex
	created []map[string]string
	state   string
	merged  bool
	by      string
}

func (g *githubAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/repos/team/delivery/pulls":
		var body map[string]string
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
		g.created = append(g.created, body)
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprint(w, `{"number": 7, "html_url": "https://github.com/team/delivery/pull/7", "state": "open", "merged": false}`)
	case r.Method == http.MethodGet && r.URL.Path == "/repos/team/delivery/pulls/7":
		by := "null"
		if g.by != "" {
			by = fmt.Sprintf(`{"login": %q}`, g.by)
		}
		_, _ = fmt.Fprintf(w, `{"number": 7, "html_url": "https://github.com/team/delivery/pull/7", "state": %q, "merged": %v, "merged_by": %s}`, g.state, g.merged, by)
	default:
		http.NotFound(w, r)
	}
}

func worldWithForge(t *testing.T) (*world, *githubAPI) {
	api := &githubAPI{state: "open"}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("t0k"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := forge.New(forge.Options{Kind: forge.GitHub, API: srv.URL, Repo: "team/delivery", TokenFile: tok})
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, "promote.txtar")
	w.rec = w.withOptions(func(o *reconciler.Options) { o.PullRequests = c })
	return w, api
}

func TestApprovalPullRequestMerged(t *testing.T) {
	w, api := worldWithForge(t)
	w.settle(time.Hour)
	w.latency["staging/carts:0.11.2"] = 700
	w.bump("carts:0.11.2")
	w.settle(10 * time.Minute)
	if len(api.created) != 1 {
		t.Fatalf("%d pull requests opened, want 1", len(api.created))
	}
	pr := api.created[0]
	if pr["head"] != "ferry/proposals/production/carts" || pr["base"] != "stage/production" || pr["title"] != "Promote carts image=carts:0.11.2 to production" {
		t.Errorf("pull request %v", pr)
	}
	for _, want := range []string{"| before | `image=carts:0.11.1` |", "| after | `image=carts:0.11.2` |", "### Quality gate: warning, score 50", "| response_time | 700 | warning | 0.5/1 |", "git notes --ref=ferry show", "line(s) added"} {
		if !strings.Contains(pr["body"], want) {
			t.Errorf("the pull request body lacks %q:\n%s", want, pr["body"])
		}
	}
	// The reviewer merges on the forge; ferry sees the merge in Git.
	work := filepath.Join(t.TempDir(), "work")
	gittest.Git(t, "", "clone", "--quiet", "--branch", "stage/production", w.dir, work)
	gittest.Git(t, work, "merge", "--quiet", "--no-ff", "-m", "Merge pull request #7", "origin/ferry/proposals/production/carts")
	gittest.Git(t, work, "push", "--quiet", "origin", "stage/production")
	api.mu.Lock()
	api.state, api.merged, api.by = "closed", true, "octocat"
	api.mu.Unlock()
	w.settle(10 * time.Minute)
	if img := w.image("production"); img != "carts:0.11.2" {
		t.Errorf("production runs %q after the merge", img)
	}
	if runs := w.git("show", "ferry/status:runs/production/carts.yaml"); !strings.Contains(runs, "approver: octocat") || !strings.Contains(runs, "pullRequestURL: https://github.com/team/delivery/pull/7") {
		t.Errorf("the approver from the forge is not recorded:\n%s", runs)
	}
}

func TestApprovalPullRequestClosed(t *testing.T) {
	w, api := worldWithForge(t)
	w.settle(time.Hour)
	w.latency["staging/carts:0.11.2"] = 700
	w.bump("carts:0.11.2")
	w.settle(10 * time.Minute)
	api.mu.Lock()
	api.state = "closed"
	api.mu.Unlock()
	w.settle(10 * time.Minute)
	runs := w.git("show", "ferry/status:runs/production/carts.yaml")
	if !strings.Contains(runs, "the pull request was closed: not approved") {
		t.Errorf("a closed pull request did not reject:\n%s", runs)
	}
	if _, err := gittest.TryGit(w.dir, "rev-parse", "--verify", "ferry/proposals/production/carts"); err == nil {
		t.Error("the rejected proposal branch is still there")
	}
	if img := w.image("production"); img != "carts:0.11.1" {
		t.Errorf("production runs %q after a rejection", img)
	}
}
