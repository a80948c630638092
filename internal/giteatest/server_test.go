package giteatest_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/internal/giteatest"
	"github.com/ferrycd/ferry/internal/gittest"
)

// TestServer opens pull requests on a real Gitea with ferry's forge client
// and has a reviewer with write access approve and merge one and close
// another; the merge must land on main.
func TestServer(t *testing.T) {
	srv := giteatest.Start(t)
	repo := srv.CreateRepo(t, "app")
	reviewer := srv.CreateUser(t, "reviewer")
	srv.AddCollaborator(t, repo, reviewer, giteatest.PermissionWrite)
	client, err := forge.New(forge.Options{Kind: forge.Gitea, API: srv.API, Repo: repo.FullName(), TokenFile: srv.Admin.TokenFile})
	if err != nil {
		t.Fatal(err)
	}

	work := filepath.Join(t.TempDir(), "work")
	gittest.Git(t, "", "clone", "--quiet", srv.CloneURL(repo, srv.Admin), work)
	gittest.Git(t, work, "symbolic-ref", "HEAD", "refs/heads/main")
	commit(t, work, "main", "base")
	gittest.Git(t, work, "push", "--quiet", "origin", "main")

	tests := []struct {
		name string
		act  func(t *testing.T, number int)
		want forge.PullRequest
	}{
		{
			name: "merged by the reviewer",
			act: func(t *testing.T, number int) {
				srv.ApprovePullRequest(t, reviewer, repo, number)
				srv.MergePullRequest(t, reviewer, repo, number)
			},
			want: forge.PullRequest{State: forge.StateMerged, MergedBy: reviewer.Name},
		},
		{
			name: "closed",
			act: func(t *testing.T, number int) {
				srv.ClosePullRequest(t, reviewer, repo, number)
			},
			want: forge.PullRequest{State: forge.StateClosed},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			branch := "promote-" + string(rune('a'+i))
			gittest.Git(t, work, "checkout", "--quiet", "-b", branch, "origin/main")
			head := commit(t, work, branch, tt.name)
			gittest.Git(t, work, "push", "--quiet", "origin", branch)

			pr, err := client.Open(t.Context(), forge.Request{Head: branch, Base: "main", Title: tt.name})
			if err != nil {
				t.Fatal(err)
			}
			if pr.State != forge.StateOpen || pr.URL != srv.URL+"/"+repo.FullName()+"/pulls/"+strconv.Itoa(pr.Number) {
				t.Fatalf("opened %+v", pr)
			}
			tt.act(t, pr.Number)
			got, err := client.Get(t.Context(), pr.Number)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(forge.PullRequest{}, "Number", "URL")); diff != "" {
				t.Errorf("pull request (-want +got):\n%s", diff)
			}

			gittest.Git(t, work, "fetch", "--quiet", "origin", "main")
			_, err = gittest.TryGit(work, "merge-base", "--is-ancestor", head, "origin/main")
			if landed := err == nil; landed != (tt.want.State == forge.StateMerged) {
				t.Errorf("%s on main: %v, want %v", head, landed, !landed)
			}
		})
	}
}

// commit commits a file named after msg on the checked-out branch.
func commit(t *testing.T, work, branch, msg string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(work, branch+".txt"), []byte(msg+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gittest.Git(t, work, "add", "-A")
	gittest.Git(t, work, "commit", "--quiet", "-m", msg)
	return gittest.Git(t, work, "rev-parse", "HEAD")
}
