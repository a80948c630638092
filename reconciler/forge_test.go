package reconciler_test

import (
	"context"
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

// githubAPI answers the pull request calls ferry makes, as GitHub's REST
// API documents them; the test sets the state reviews reach, and whether
// the API is down (502).
type githubAPI struct {
	mu      sync.Mutex
	created []map[string]string
	state   string
	merged  bool
	by      string
	down    bool
	gets    int
}

func (g *githubAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case g.down:
		w.WriteHeader(http.StatusBadGateway)
		_, _ = fmt.Fprint(w, `{"message": "Server Error"}`)
	case r.Method == http.MethodGet && r.URL.Path == "/repos/team/delivery/pulls":
		list := "[]"
		if len(g.created) > 0 && g.state == "open" {
			list = `[{"number": 7, "html_url": "https://github.com/team/delivery/pull/7", "state": "open", "merged": false,
				"head": {"ref": "ferry/proposals/production/carts"}, "base": {"ref": "stage/production"}}]`
		}
		_, _ = fmt.Fprint(w, list)
	case r.Method == http.MethodPost && r.URL.Path == "/repos/team/delivery/pulls":
		var body map[string]string
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
		g.created = append(g.created, body)
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprint(w, `{"number": 7, "html_url": "https://github.com/team/delivery/pull/7", "state": "open", "merged": false}`)
	case r.Method == http.MethodGet && r.URL.Path == "/repos/team/delivery/pulls/7":
		g.gets++
		by := "null"
		if g.by != "" {
			by = fmt.Sprintf(`{"login": %q}`, g.by)
		}
		_, _ = fmt.Fprintf(w, `{"number": 7, "html_url": "https://github.com/team/delivery/pull/7", "state": %q, "merged": %v, "merged_by": %s}`, g.state, g.merged, by)
	default:
		http.NotFound(w, r)
	}
}

func worldWithForge(t *testing.T, edits ...func(*reconciler.Options)) (*world, *githubAPI) {
	api := &githubAPI{state: "open"}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("t0k"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := forge.New(forge.Options{Kind: forge.GitHub, API: srv.URL, Repo: "team/delivery", TokenFile: tok, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, "promote.txtar")
	w.rec = w.withOptions(func(o *reconciler.Options) {
		o.PullRequests = c
		for _, edit := range edits {
			edit(o)
		}
	})
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

// A forge that fails is shown on the run, in runs/ and status.json, with
// the time it first failed; the call that succeeds clears it and records
// the pull request's URL in the run's action.
func TestForgeFailureIsShownAndCleared(t *testing.T) {
	w, api := worldWithForge(t)
	w.settle(time.Hour)
	w.latency["staging/carts:0.11.2"] = 700
	api.mu.Lock()
	api.down = true
	api.mu.Unlock()
	w.bump("carts:0.11.2")
	w.settle(10 * time.Minute)
	runs := w.git("show", "ferry/status:runs/production/carts.yaml")
	if !strings.Contains(runs, "forgeError:") || !strings.Contains(runs, "502 Bad Gateway") || !strings.Contains(runs, "forgeErrorAt:") {
		t.Errorf("the forge's failure is not on the run:\n%s", runs)
	}
	f := w.summary().Stages[2].Services[0].InFlight
	if f == nil || !strings.Contains(f.ForgeError, "502 Bad Gateway") || f.ForgeErrorAt.IsZero() || f.ForgeErrorAt.After(w.now) {
		t.Fatalf("status.json does not show the forge's failure: %+v", f)
	}

	api.mu.Lock()
	api.down = false
	api.mu.Unlock()
	w.settle(10 * time.Minute)
	f = w.summary().Stages[2].Services[0].InFlight
	if f == nil || f.ForgeError != "" || !f.ForgeErrorAt.IsZero() {
		t.Errorf("the failure outlived the forge's recovery: %+v", f)
	}
	if f == nil || f.PullRequest != "https://github.com/team/delivery/pull/7" || !strings.HasSuffix(f.Action, "(https://github.com/team/delivery/pull/7)") {
		t.Errorf("the pull request is not in the run's action: %+v", f)
	}
	if note := w.git("notes", "--ref=ferry", "show", "main"); !strings.Contains(note, "production: pull request for carts: https://github.com/team/delivery/pull/7") {
		t.Errorf("the candidate's note lacks the pull request:\n%s", note)
	}
}

// A pull request closed on the forge changes no ref: a trigger (the
// forge's pull_request webhook) makes the next pass read the forge at
// once instead of skipping it as idle.
func TestTriggerReadsTheForgeAtOnce(t *testing.T) {
	w, api := worldWithForge(t)
	w.settle(time.Hour)
	w.latency["staging/carts:0.11.2"] = 700
	w.bump("carts:0.11.2")
	w.settle(10 * time.Minute)
	api.mu.Lock()
	api.state = "closed"
	gets := api.gets
	api.mu.Unlock()
	// The clock stands still: without a trigger the pass is idle.
	if _, err := w.rec.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	api.mu.Lock()
	idleGets := api.gets
	api.mu.Unlock()
	if idleGets != gets {
		t.Fatalf("an idle pass read the forge")
	}
	reconciler.NewLoop(w.rec, time.Minute).Trigger()
	if res, err := w.rec.Pass(context.Background()); err != nil || !res.Pushed {
		t.Fatalf("the pass after a trigger: %+v, %v", res, err)
	}
	if runs := w.git("show", "ferry/status:runs/production/carts.yaml"); !strings.Contains(runs, "the pull request was closed: not approved") {
		t.Errorf("the closed pull request was not noticed:\n%s", runs)
	}
}

// Without a webhook, a pull request closed on the forge is noticed on the
// poll: the forge is read every ForgePoll while the proposal waits (ferry
// run sets it to its poll interval), not once a minute.
func TestPollReadsTheForge(t *testing.T) {
	for _, tc := range []struct {
		poll    time.Duration
		noticed bool
	}{{0, false}, {10 * time.Second, true}} {
		t.Run(tc.poll.String(), func(t *testing.T) {
			w, api := worldWithForge(t, func(o *reconciler.Options) { o.ForgePoll = tc.poll })
			w.settle(time.Hour)
			w.latency["staging/carts:0.11.2"] = 700
			w.bump("carts:0.11.2")
			w.settle(10 * time.Minute)
			api.mu.Lock()
			api.state = "closed"
			api.mu.Unlock()
			w.now = w.now.Add(10 * time.Second)
			if _, err := w.rec.Pass(context.Background()); err != nil {
				t.Fatal(err)
			}
			runs := w.git("show", "ferry/status:runs/production/carts.yaml")
			if got := strings.Contains(runs, "the pull request was closed: not approved"); got != tc.noticed {
				t.Errorf("10s after the pull request was closed, noticed = %v, want %v:\n%s", got, tc.noticed, runs)
			}
		})
	}
}
