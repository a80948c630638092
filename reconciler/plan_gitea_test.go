package reconciler_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"

	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/giteatest"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/plan"
	"github.com/ferrycd/ferry/review"
)

// A pull request that tightens carts' SLO gets one comment on a real Gitea
// saying which recorded production releases would have failed under it,
// and a ferry/plan status on its head; a push to the pull request edits
// the same comment.
func TestPlanOnGiteaPullRequest(t *testing.T) {
	w := newWorld(t, "plan.txtar")
	w.settle(time.Hour)
	for _, v := range []struct {
		image string
		ms    float64
	}{{"carts:0.11.2", 300}, {"carts:0.11.3", 450}, {"carts:0.11.4", 350}} {
		w.latency[v.image] = v.ms
		w.bump(v.image)
		w.settle(time.Hour)
	}
	if img := w.image("production"); img != "carts:0.11.4" {
		t.Fatalf("production runs %q, want carts:0.11.4", img)
	}

	srv := giteatest.Start(t)
	repo := srv.CreateRepo(t, "sockshop")
	dev := srv.CreateUser(t, "developer")
	srv.AddCollaborator(t, repo, dev, giteatest.PermissionWrite)
	url := srv.CloneURL(repo, srv.Admin)
	gittest.Git(t, w.dir, "push", "--quiet", url, "refs/heads/*:refs/heads/*", "refs/notes/*:refs/notes/*")
	work := filepath.Join(t.TempDir(), "work")
	gittest.Git(t, "", "clone", "--quiet", srv.CloneURL(repo, dev), work)
	tighten := func(pass, warning string) string {
		slo := "spec_version: \"1.0\"\nobjectives:\n  - sli: response_time\n    pass: [{criteria: [\"<=" + pass + "\"]}]\n    warning: [{criteria: [\"<=" + warning + "\"]}]\ntotal_score: {pass: \"90%\", warning: \"50%\"}\n"
		writeFile(t, filepath.Join(work, "services/carts/slo.yaml"), slo)
		gittest.Git(t, work, "commit", "--quiet", "-am", "carts: pass under "+pass+" ms")
		gittest.Git(t, work, "push", "--quiet", "origin", "HEAD:refs/heads/tighten-slo")
		return strings.TrimSpace(gittest.Git(t, work, "rev-parse", "HEAD"))
	}
	gittest.Git(t, work, "checkout", "--quiet", "-b", "tighten-slo")
	head := tighten("400", "420")
	n := srv.OpenPullRequest(t, dev, repo, "tighten-slo", "main", "Tighten carts' SLO")

	store, err := gitstore.Open(gitstore.Options{URL: url, Dir: filepath.Join(t.TempDir(), "state")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if _, err := store.Fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := forge.New(forge.Options{Kind: forge.Gitea, API: srv.API, Repo: repo.FullName(), TokenFile: srv.Admin.TokenFile, Backoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rv := review.New(review.Options{Store: store, Forge: c, Log: testr.New(t), Plan: plan.ForReview(store, plan.Options{})})
	sync := func(wantHead string) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := rv.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			body := planComment(t, srv, repo, n)
			if strings.Contains(body, wantHead) || time.Now().After(deadline) {
				return body
			}
			time.Sleep(200 * time.Millisecond) // Gitea moves the pull request's ref in the background
		}
	}

	body := sync(head)
	for _, want := range []string{"<!-- head " + head, "production/carts: 1 of the last 4 evaluations would change verdict", "(image=carts:0.11.3): pass 100 → fail 0; response_time 450: pass → fail"} {
		if !strings.Contains(body, want) {
			t.Errorf("the plan comment lacks %q:\n%s", want, body)
		}
	}
	if st := srv.CommitStatus(t, repo, head, review.StatusContext); st != "success" {
		t.Errorf("ferry/plan on %s is %q, want success", head, st)
	}
	if res, err := rv.Sync(context.Background()); err != nil || res.Planned != 0 || res.Current != 1 {
		t.Errorf("a second sync = %+v, %v; want the comment left as it is", res, err)
	}

	head = tighten("320", "340")
	body = sync(head)
	for _, want := range []string{"<!-- head " + head, "production/carts: 2 of the last 4 evaluations would change verdict", "(image=carts:0.11.4): pass 100 → fail 0; response_time 350: pass → fail"} {
		if !strings.Contains(body, want) {
			t.Errorf("the edited plan comment lacks %q:\n%s", want, body)
		}
	}
	if st := srv.CommitStatus(t, repo, head, review.StatusContext); st != "success" {
		t.Errorf("ferry/plan on %s is %q, want success", head, st)
	}
}

// planComment returns the body of ferry's only plan comment on a pull
// request.
func planComment(t *testing.T, srv *giteatest.Server, repo giteatest.Repo, n int) string {
	t.Helper()
	var plans []string
	for _, body := range srv.Comments(t, repo, n) {
		if strings.HasPrefix(body, review.Marker) {
			plans = append(plans, body)
		}
	}
	if len(plans) != 1 {
		t.Fatalf("%d plan comments on pull request %d, want 1: %q", len(plans), n, plans)
	}
	return plans[0]
}
