package main_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/internal/giteatest"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/status"
)

// giteaPull is the part of Gitea's pull request the tests read.
type giteaPull struct {
	Number   int    `json:"number"`
	HTMLURL  string `json:"html_url"`
	State    string `json:"state"`
	Merged   bool   `json:"merged"`
	MergedBy *struct {
		Login string `json:"login"`
	} `json:"merged_by"`
}

// giteaProposal puts waitingProposal's repository on a new Gitea
// repository, opens the proposal's pull request there (as the admin, as
// ferry run does) and records it on the waiting run. It returns the
// repository, the pull request's number and the local copy.
func giteaProposal(t *testing.T, srv *giteatest.Server, name string) (repo giteatest.Repo, number int, bare string) {
	t.Helper()
	repo = srv.CreateRepo(t, name)
	bare, _, _ = waitingProposal(t)
	url := srv.CloneURL(repo, srv.Admin)
	gittest.Git(t, bare, "push", "--quiet", url, "refs/heads/*:refs/heads/*")
	number = srv.OpenPullRequest(t, srv.Admin, repo, proposalBranch, "stage/production", "Promote carts image=carts:0.11.2 to production")
	pr := giteaPullRequest(t, srv, repo, number)
	slot := gittest.Git(t, bare, "show", "ferry/status:"+status.SlotPath("production", "carts"))
	slot = strings.NewReplacer("pullRequest: 7\n", "pullRequest: "+strconv.Itoa(number)+"\n", proposalPR, pr.HTMLURL).Replace(slot)
	if !strings.Contains(slot, pr.HTMLURL) {
		t.Fatalf("the waiting run does not name the pull request:\n%s", slot)
	}
	gittest.CommitFiles(t, bare, "ferry/status", "ferry: the pull request", gittest.Files{status.SlotPath("production", "carts"): gittest.Text(slot)})
	gittest.Git(t, bare, "push", "--quiet", url, "ferry/status")
	return repo, number, bare
}

func giteaPullRequest(t *testing.T, srv *giteatest.Server, repo giteatest.Repo, number int) giteaPull {
	t.Helper()
	var pr giteaPull
	srv.Do(t, srv.Admin, http.MethodGet, "/repos/"+repo.FullName()+"/pulls/"+strconv.Itoa(number), nil, &pr, http.StatusOK)
	return pr
}

// ferry approve and ferry reject with --forge gitea merge and close the
// pull request on a real Gitea, as the token's account.
func TestApproveAndRejectOnGitea(t *testing.T) {
	srv := giteatest.Start(t)
	reviewer := srv.CreateUser(t, "reviewer")
	forgeArgs := func(repo giteatest.Repo) []string {
		args := []string{"--repo", srv.CloneURL(repo, srv.Admin), "--forge", "gitea", "--forge-api", srv.API}
		return append(args, "--forge-repo", repo.FullName(), "--forge-token-file", reviewer.TokenFile)
	}

	t.Run("approve", func(t *testing.T) {
		repo, n, bare := giteaProposal(t, srv, "approve")
		srv.AddCollaborator(t, repo, reviewer, giteatest.PermissionWrite)
		url := giteaPullRequest(t, srv, repo, n).HTMLURL
		r := ferry(t, "", append([]string{"approve", "production", "carts"}, forgeArgs(repo)...)...)
		if r.code != 0 || r.stdout != "approved carts image=carts:0.11.2 in production: merged "+url+" on gitea as reviewer\n" {
			t.Fatalf("approve --forge gitea: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		pr := giteaPullRequest(t, srv, repo, n)
		if !pr.Merged || pr.MergedBy == nil || pr.MergedBy.Login != "reviewer" {
			t.Errorf("the pull request on Gitea after approve: %+v", pr)
		}
		gittest.Git(t, bare, "fetch", "--quiet", srv.CloneURL(repo, srv.Admin), "+refs/heads/*:refs/heads/*")
		if got := gittest.Git(t, bare, "show", "stage/production:services/carts/manifests.yaml"); got != "image: carts:0.11.2" {
			t.Errorf("production deploys %q after the approval", got)
		}
	})

	t.Run("reject", func(t *testing.T) {
		repo, n, bare := giteaProposal(t, srv, "reject")
		srv.AddCollaborator(t, repo, reviewer, giteatest.PermissionWrite)
		url := giteaPullRequest(t, srv, repo, n).HTMLURL
		r := ferry(t, "", append([]string{"reject", "production", "carts", "--reason", "not this week"}, forgeArgs(repo)...)...)
		if r.code != 0 || r.stdout != "rejected carts image=carts:0.11.2 in production: deleted "+proposalBranch+", closed "+url+" as reviewer on gitea\n" {
			t.Fatalf("reject --forge gitea: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if pr := giteaPullRequest(t, srv, repo, n); pr.State != "closed" || pr.Merged {
			t.Errorf("the pull request on Gitea after reject: %+v", pr)
		}
		var comments []struct {
			Body string `json:"body"`
			User struct {
				Login string `json:"login"`
			} `json:"user"`
		}
		srv.Do(t, srv.Admin, http.MethodGet, "/repos/"+repo.FullName()+"/issues/"+strconv.Itoa(n)+"/comments", nil, &comments, http.StatusOK)
		if len(comments) != 1 || comments[0].Body != "Rejected with ferry reject: not this week" || comments[0].User.Login != "reviewer" {
			t.Errorf("the comments on Gitea: %+v", comments)
		}
		if heads := gittest.Git(t, bare, "ls-remote", "--heads", srv.CloneURL(repo, srv.Admin)); strings.Contains(heads, proposalBranch) {
			t.Errorf("the proposal branch is still on Gitea:\n%s", heads)
		}
	})
}
