package main_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/internal/giteatest"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/review"
)

// ferry run with --forge keeps its plan on a pull request into main: one
// comment and a ferry/plan status, failure while the head does not
// validate; a push to the pull request edits the same comment.
func TestRunPlansPullRequestsOnGitea(t *testing.T) {
	srv := giteatest.Start(t)
	repo := srv.CreateRepo(t, "sockshop")
	dev := srv.CreateUser(t, "developer")
	srv.AddCollaborator(t, repo, dev, giteatest.PermissionWrite)
	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "testdata/fast.txtar")
	gittest.Git(t, bare, "push", "--quiet", srv.CloneURL(repo, srv.Admin), "main")
	work := filepath.Join(t.TempDir(), "work")
	gittest.Git(t, "", "clone", "--quiet", srv.CloneURL(repo, dev), work)
	gittest.Git(t, work, "checkout", "--quiet", "-b", "carts-0.11.2")
	commit := func(file, content, msg string) string {
		write(t, filepath.Join(work, file), content)
		gittest.Git(t, work, "commit", "--quiet", "-am", msg)
		gittest.Git(t, work, "push", "--quiet", "origin", "HEAD:refs/heads/carts-0.11.2")
		return strings.TrimSpace(gittest.Git(t, work, "rev-parse", "HEAD"))
	}
	head := commit("services/carts/pin.yaml", "image: carts:0.11.2\n", "bump carts")
	n := srv.OpenPullRequest(t, dev, repo, "carts-0.11.2", "main", "Bump carts")

	dir := t.TempDir()
	startFerry(t, "run", "--repo", srv.CloneURL(repo, srv.Admin), "--state-dir", filepath.Join(dir, "state"),
		"--listen", freeAddr(t), "--poll-interval", "1s",
		"--forge", "gitea", "--forge-api", srv.API, "--forge-repo", repo.FullName(), "--forge-token-file", srv.Admin.TokenFile)

	var body string
	e2e.WaitFor(t, 90*time.Second, "the plan of "+head, func() bool {
		body = onlyPlanComment(t, srv, repo, n)
		return strings.Contains(body, head) && srv.CommitStatus(t, repo, head, review.StatusContext) == "success"
	})
	for _, want := range []string{"**carts**: starts sequence delivery in dev", "**production/carts**: Deployment/sockshop-production/carts changed: image carts:0.11.1 → carts:0.11.2"} {
		if !strings.Contains(body, want) {
			t.Errorf("the plan comment lacks %q:\n%s", want, body)
		}
	}

	head = commit("services/carts/slo.yaml", "objectives: [\n", "a broken SLO")
	e2e.WaitFor(t, 90*time.Second, "the plan of "+head, func() bool {
		body = onlyPlanComment(t, srv, repo, n)
		return strings.Contains(body, head) && srv.CommitStatus(t, repo, head, review.StatusContext) == "failure"
	})
	if !strings.Contains(body, "services/carts/slo.yaml:") {
		t.Errorf("the plan of an invalid head does not name the file:\n%s", body)
	}
}

// onlyPlanComment returns ferry's plan comment on a pull request, "" when
// there is none yet; two are an error.
func onlyPlanComment(t *testing.T, srv *giteatest.Server, repo giteatest.Repo, n int) string {
	t.Helper()
	var plans []string
	for _, body := range srv.Comments(t, repo, n) {
		if strings.HasPrefix(body, review.Marker) {
			plans = append(plans, body)
		}
	}
	if len(plans) > 1 {
		t.Fatalf("%d plan comments on pull request %d, want one", len(plans), n)
	}
	return strings.Join(plans, "")
}
