package reconciler_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/giteatest"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
)

// giteaWorld is a world whose repository lives on a real Gitea: ferry
// fetches and pushes over Gitea's HTTP, and asks Gitea's API for the pull
// requests. The world's own bare repository is a copy of Gitea's, fetched
// before each pass, so that the test reads what Gitea holds.
type giteaWorld struct {
	*world
	gitea    *giteatest.Server
	repo     giteatest.Repo
	reviewer giteatest.User
}

// newGiteaWorld pushes approve.txtar's main to a new repository on Gitea
// and runs ferry against it, as the admin, with a reviewer who may merge.
func newGiteaWorld(t *testing.T) *giteaWorld {
	t.Helper()
	srv := giteatest.Start(t)
	g := &giteaWorld{gitea: srv, repo: srv.CreateRepo(t, "sockshop")}
	g.reviewer = srv.CreateUser(t, "reviewer")
	srv.AddCollaborator(t, g.repo, g.reviewer, giteatest.PermissionWrite)
	g.world = newWorld(t, "approve.txtar")
	gittest.Git(t, g.dir, "push", "--quiet", g.url(), "main")
	var err error
	if g.store, err = gitstore.Open(gitstore.Options{URL: g.url(), Dir: filepath.Join(t.TempDir(), "gitea-state")}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.store.Close() })
	c, err := forge.New(forge.Options{Kind: forge.Gitea, API: srv.API, Repo: g.repo.FullName(), TokenFile: srv.Admin.TokenFile, Backoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	g.rec = g.withOptions(func(o *reconciler.Options) { o.PullRequests = c })
	return g
}

func (g *giteaWorld) url() string { return g.gitea.CloneURL(g.repo, g.gitea.Admin) }

// sync makes the world's repository a copy of Gitea's.
func (g *giteaWorld) sync() {
	g.t.Helper()
	gittest.Git(g.t, g.dir, "fetch", "--quiet", "--prune", g.url(), "+refs/heads/*:refs/heads/*", "+refs/notes/*:refs/notes/*")
}

// pass runs one pass against Gitea and returns its result; it does not
// move the clock.
func (g *giteaWorld) pass() reconciler.PassResult {
	g.t.Helper()
	g.sync()
	g.sample()
	res, err := g.rec.Pass(context.Background())
	if err != nil {
		g.t.Fatalf("pass: %v", err)
	}
	g.sync()
	return res
}

// settle is world.settle against Gitea.
func (g *giteaWorld) settle(limit time.Duration) {
	g.t.Helper()
	end := g.now.Add(limit)
	for i := 0; i < 500; i++ {
		res := g.pass()
		if res.Pushed {
			continue
		}
		if res.Next.IsZero() || res.Next.After(end) {
			return
		}
		g.now = res.Next
	}
	g.t.Fatal("no quiet state after 500 passes")
}

// giteaPull is the part of Gitea's pull request the tests read.
type giteaPull struct {
	Number  int    `json:"number"`
	HTMLURL string `json:"html_url"`
	State   string `json:"state"`
	Merged  bool   `json:"merged"`
	Head    struct {
		Ref string `json:"ref"`
	} `json:"head"`
	Base struct {
		Ref string `json:"ref"`
	} `json:"base"`
}

// openPull returns the only open pull request on Gitea.
func (g *giteaWorld) openPull() giteaPull {
	g.t.Helper()
	var pulls []giteaPull
	g.gitea.Do(g.t, g.gitea.Admin, http.MethodGet, "/repos/"+g.repo.FullName()+"/pulls?state=open", nil, &pulls, http.StatusOK)
	if len(pulls) != 1 {
		g.t.Fatalf("%d open pull requests on Gitea, want 1: %+v", len(pulls), pulls)
	}
	return pulls[0]
}

// untilApprovalWaits settles until production's run waits for approval,
// and returns the pull request ferry opened on Gitea.
func (g *giteaWorld) untilApprovalWaits() giteaPull {
	g.t.Helper()
	g.settle(time.Hour)
	svc, ok := g.summary().Service("production", "carts")
	if !ok || svc.InFlight == nil || svc.InFlight.WaitingFor != "approval" {
		g.t.Fatalf("production/carts does not wait for approval: %+v", svc)
	}
	for _, ref := range []string{"stage/production", productionProposal} {
		if !g.exists(ref) {
			g.t.Fatalf("%s is not on Gitea", ref)
		}
	}
	pr := g.openPull()
	if pr.Head.Ref != productionProposal || pr.Base.Ref != "stage/production" {
		g.t.Errorf("the pull request on Gitea is from %s into %s", pr.Head.Ref, pr.Base.Ref)
	}
	if want := g.gitea.URL + "/" + g.repo.FullName() + "/pulls/"; !strings.HasPrefix(pr.HTMLURL, want) {
		g.t.Errorf("the pull request's URL is %s, want it under %s", pr.HTMLURL, want)
	}
	if !strings.HasSuffix(svc.InFlight.Action, "("+pr.HTMLURL+")") || svc.InFlight.PullRequest != pr.HTMLURL {
		g.t.Errorf("status.json does not point at the pull request %s: action %q, pullRequest %q", pr.HTMLURL, svc.InFlight.Action, svc.InFlight.PullRequest)
	}
	if runs := g.git("show", "ferry/status:runs/production/carts.yaml"); !strings.Contains(runs, "pullRequestURL: "+pr.HTMLURL) {
		g.t.Errorf("the run does not record the pull request %s:\n%s", pr.HTMLURL, runs)
	}
	if img := g.image("production"); img != "" {
		g.t.Fatalf("production runs %q before the approval", img)
	}
	return pr
}

// A new project whose production needs an approval, on Gitea: ferry
// creates stage/production with the proposal and opens the pull request;
// a reviewer merges it on Gitea; ferry records the reviewer, from Gitea's
// merged_by, as the approver, and deploys after the settle time.
func TestApprovalOnGitea(t *testing.T) {
	g := newGiteaWorld(t)
	pr := g.untilApprovalWaits()
	g.gitea.MergePullRequest(t, g.reviewer, g.repo, pr.Number)
	merged := g.now
	g.settle(time.Minute)
	runs := g.git("show", "ferry/status:runs/production/carts.yaml")
	for _, want := range []string{"taskName: approval", "waiting: deployed", "approver: reviewer"} {
		if !strings.Contains(runs, want) {
			t.Errorf("after the merge on Gitea, the run lacks %q:\n%s", want, runs)
		}
	}
	if ev := g.log("stage/production"); len(ev) < 2 || !strings.Contains(ev[len(ev)-1], "Merge pull request") {
		t.Errorf("stage/production does not end with Gitea's merge: %q", ev)
	}
	// The merge is on the stage branch; the run goes on only once the
	// agent could apply it (the sequence's settle time, 5m).
	if svc, _ := g.summary().Service("production", "carts"); svc.Last != nil {
		t.Fatalf("the run ended before the merge was deployed: %+v", svc.Last)
	}
	if !g.now.Before(merged.Add(5 * time.Minute)) {
		t.Fatalf("the clock moved past the settle time: %s after the merge", g.now.Sub(merged))
	}
	g.settle(time.Hour)
	if img := g.image("production"); img != "carts:0.11.1" {
		t.Errorf("production runs %q after the approval", img)
	}
	if start := g.evaluation("production").Window.Start; !start.Equal(merged.Add(5 * time.Minute)) {
		t.Errorf("the evaluation window starts %s after the merge, want 5m", start.Sub(merged))
	}
	svc, ok := g.summary().Service("production", "carts")
	if !ok || svc.InFlight != nil || svc.Last == nil || svc.Last.Result != "pass" || svc.Last.Approver != "reviewer" {
		t.Errorf("production/carts in status.json: %+v (last %+v)", svc, svc.Last)
	}
	if note := g.git("notes", "--ref=ferry", "show", "main"); !strings.Contains(note, "approved by reviewer") {
		t.Errorf("the candidate's note does not name the approver:\n%s", note)
	}
	if g.exists(productionProposal) {
		t.Error("the merged proposal branch is still on Gitea")
	}
	var after giteaPull
	g.gitea.Do(t, g.gitea.Admin, http.MethodGet, "/repos/"+g.repo.FullName()+"/pulls/"+strconv.Itoa(pr.Number), nil, &after, http.StatusOK)
	if !after.Merged {
		t.Errorf("the pull request on Gitea: %+v", after)
	}
}

// Closing the pull request on Gitea rejects the candidate: nothing is
// deployed and status.json says so.
func TestRejectionOnGitea(t *testing.T) {
	g := newGiteaWorld(t)
	pr := g.untilApprovalWaits()
	g.gitea.ClosePullRequest(t, g.reviewer, g.repo, pr.Number)
	g.settle(time.Hour)
	runs := g.git("show", "ferry/status:runs/production/carts.yaml")
	if !strings.Contains(runs, "the pull request was closed: not approved") {
		t.Errorf("closing the pull request on Gitea did not reject:\n%s", runs)
	}
	if img := g.image("production"); img != "" {
		t.Errorf("production runs %q after a rejection", img)
	}
	if g.exists(productionProposal) {
		t.Error("the rejected proposal branch is still on Gitea")
	}
	svc, ok := g.summary().Service("production", "carts")
	if !ok || svc.InFlight != nil || svc.Last == nil || svc.Last.Result != "fail" || svc.Last.Message != "approval failed: the pull request was closed: not approved" {
		t.Errorf("production/carts in status.json: %+v (last %+v)", svc, svc.Last)
	}
}

// A push to Gitea reaches ferry as Gitea's signed push webhook at
// /hooks/git, and the pass runs at once: the loop polls only hourly, yet
// the new candidate is on ferry/status within seconds.
func TestPushWebhookFromGitea(t *testing.T) {
	g := newGiteaWorld(t)
	g.rec = g.withOptions(func(*reconciler.Options) {}) // no forge: the approval waits quietly
	g.settle(time.Hour)
	loop := reconciler.NewLoop(g.rec, time.Hour)
	hooks := httptest.NewServer(ingress.Handler(loop, ingress.ServerOptions{WebhookSecret: "h00k"}))
	t.Cleanup(hooks.Close)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); _ = loop.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-stopped; g.sync() })
	for ok, _ := loop.Ready(); !ok; ok, _ = loop.Ready() {
		if ctx.Err() != nil {
			t.Fatal("the loop stopped")
		}
		time.Sleep(20 * time.Millisecond)
	}
	g.gitea.Do(t, g.gitea.Admin, http.MethodPost, "/repos/"+g.repo.FullName()+"/hooks", map[string]any{
		"type": "gitea", "active": true, "events": []string{"push"},
		"config": map[string]string{"url": hooks.URL + "/hooks/git", "content_type": "json", "secret": "h00k"},
	}, nil, http.StatusCreated)
	// A developer pushes a new version to main on Gitea.
	work := filepath.Join(t.TempDir(), "work")
	gittest.Git(t, "", "clone", "--quiet", "--branch", "main", g.url(), work)
	writeFile(t, filepath.Join(work, "services/carts/pin.yaml"), "image: carts:0.11.2\n")
	gittest.Git(t, work, "commit", "--quiet", "-am", "bump carts to carts:0.11.2")
	gittest.Git(t, work, "push", "--quiet", "origin", "main")
	pushed := time.Now()
	for !strings.Contains(g.fetchedRuns("dev"), "image=carts:0.11.2") {
		if time.Since(pushed) > 30*time.Second {
			t.Fatalf("no pass took the pushed candidate within 30s of the push; runs/dev/carts.yaml:\n%s", g.fetchedRuns("dev"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the pushed candidate was on ferry/status %s after the push", time.Since(pushed).Round(time.Millisecond))
}

// fetchedRuns returns a stage's run file of carts as Gitea holds it now.
func (g *giteaWorld) fetchedRuns(stage string) string {
	g.t.Helper()
	g.sync()
	out, _ := gittest.TryGit(g.dir, "show", "ferry/status:runs/"+stage+"/carts.yaml")
	return out
}
