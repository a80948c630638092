package main_test

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

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/status"
)

const (
	proposalBranch = "ferry/proposals/production/carts"
	proposalPR     = "https://github.com/team/delivery/pull/7"
)

var annEnv = []string{"GIT_AUTHOR_NAME=Ann Operator", "GIT_AUTHOR_EMAIL=ann@example.com"}

// waitingProposal builds a repository where carts image=carts:0.11.2 waits
// for approval in production, as ferry run leaves it: the proposal branch
// on top of stage/production, and the waiting run on ferry/status. It
// returns the repository and the candidate commit.
func waitingProposal(t *testing.T) (bare, candidate, proposal string) {
	t.Helper()
	bare = gittest.InitBare(t)
	candidate = gittest.CommitTxtar(t, bare, "main", "../../stages/testdata/sockshop.txtar")
	gittest.CommitFiles(t, bare, "stage/production", "Deploy carts image=carts:0.11.1 to production",
		gittest.Files{"services/carts/manifests.yaml": gittest.Text("image: carts:0.11.1\n")})
	gittest.Git(t, bare, "branch", proposalBranch, "stage/production")
	proposal = gittest.CommitFiles(t, bare, proposalBranch, fmt.Sprintf(
		"Deploy carts image=carts:0.11.2 to production\n\nFerry-Service: carts\nFerry-Stage: production\nFerry-Candidate: %s\nFerry-Run: r7\nFerry-Task: deployment", candidate),
		gittest.Files{"services/carts/manifests.yaml": gittest.Text("image: carts:0.11.2\n")})
	since := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	slot := &status.Slot{Stage: "production", Service: "carts", Current: &status.Run{
		ID: "r7", Candidate: candidate, Sequence: "delivery", Phase: status.PhaseWaiting, Task: 1, TaskName: "approval",
		TaskStarted: since, Waiting: status.WaitApproval, Proposed: true, PullRequest: 7, PullRequestURL: proposalPR,
		Pin: "image=carts:0.11.2", Since: since,
	}}
	gittest.CommitFiles(t, bare, "ferry/status", "ferry: 1 transition",
		gittest.Files{status.SlotPath("production", "carts"): gittest.Text(string(status.Marshal(slot)))})
	return bare, candidate, proposal
}

func TestProposalsList(t *testing.T) {
	bare, candidate, _ := waitingProposal(t)
	r := ferry(t, "", "proposals", "--repo", bare)
	if r.code != 0 {
		t.Fatalf("proposals: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[1]), " ") != "production carts "+candidate[:7]+" image=carts:0.11.2 "+proposalBranch+" "+proposalPR+" 2026-11-30T09:00:00Z" {
		t.Errorf("proposals:\n%s", r.stdout)
	}
	r = ferry(t, "", "proposals", "--repo", bare, "-o", "json")
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("proposals -o json: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	want := []map[string]any{{
		"stage": "production", "service": "carts", "candidate": candidate, "pin": "image=carts:0.11.2", "run": "r7",
		"branch": proposalBranch, "pullRequest": proposalPR, "pullRequestNumber": float64(7), "since": "2026-11-30T09:00:00Z",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("proposals -o json (-want +got):\n%s", diff)
	}
}

// Approving without a forge merges the proposal into the stage branch as
// git's author: the Ferry-Run trailer, which is what ferry reads as the
// approval, is then in the stage branch's history.
func TestApproveWithoutForgeMerges(t *testing.T) {
	bare, _, proposal := waitingProposal(t)
	before := gittest.Git(t, bare, "rev-parse", "stage/production")
	r := ferryEnv(t, t.TempDir(), annEnv, "approve", "production", "carts", "--repo", bare)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "approved carts image=carts:0.11.2 in production: merged "+proposalBranch+" into stage/production (") ||
		!strings.HasSuffix(r.stdout, ") as Ann Operator <ann@example.com>\n") {
		t.Fatalf("approve: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := gittest.Git(t, bare, "log", "-1", "--format=%an <%ae>|%P", "stage/production"); got != "Ann Operator <ann@example.com>|"+before+" "+proposal {
		t.Errorf("the stage branch's tip is %q, want Ann's merge of the proposal", got)
	}
	if runs := gittest.Git(t, bare, "log", "--format=%(trailers:key=Ferry-Run,valueonly)", "stage/production"); !strings.Contains(runs, "r7") {
		t.Errorf("the stage branch lacks the run's trailer:\n%s", runs)
	}
	if got := gittest.Git(t, bare, "show", "stage/production:services/carts/manifests.yaml"); got != "image: carts:0.11.2" {
		t.Errorf("production deploys %q", got)
	}
}

// A stage branch that moved after the proposal was built is not merged
// over: ferry rebuilds the proposal first.
func TestApproveRefusesAStaleProposal(t *testing.T) {
	bare, _, _ := waitingProposal(t)
	gittest.CommitFiles(t, bare, "stage/production", "Deploy orders", gittest.Files{"services/orders/manifests.yaml": gittest.Text("image: orders:1\n")})
	tip := gittest.Git(t, bare, "rev-parse", "stage/production")
	r := ferryEnv(t, t.TempDir(), annEnv, "approve", "production", "carts", "--repo", bare)
	if r.code != 1 || !strings.Contains(r.stderr, "stage/production moved since "+proposalBranch+" was built") {
		t.Errorf("approve over a moved stage: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := gittest.Git(t, bare, "rev-parse", "stage/production"); got != tip {
		t.Error("the stage branch was written")
	}
	if r := ferry(t, "", "approve", "staging", "carts", "--repo", bare); r.code != 1 || !strings.Contains(r.stderr, "no proposal waits for carts in staging") {
		t.Errorf("approve without a proposal: exit %d\n%s", r.code, r.stderr)
	}
}

func TestRejectDeletesTheProposal(t *testing.T) {
	bare, candidate, _ := waitingProposal(t)
	r := ferryEnv(t, t.TempDir(), annEnv, "reject", "production", "carts", "--repo", bare, "--reason", "not during the sale")
	if r.code != 0 || r.stdout != "rejected carts image=carts:0.11.2 in production: deleted "+proposalBranch+" as Ann Operator <ann@example.com>\n" {
		t.Fatalf("reject: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := gittest.TryGit(bare, "rev-parse", "--verify", proposalBranch); err == nil {
		t.Error("the proposal branch is still there")
	}
	if note := gittest.Git(t, bare, "notes", "--ref=ferry", "show", candidate); !strings.HasSuffix(note, " production: carts rejected by Ann Operator <ann@example.com>: not during the sale") {
		t.Errorf("the candidate's note reads:\n%s", note)
	}
	if r := ferry(t, "", "proposals", "--repo", bare); r.code != 0 || r.stdout != "No proposal waits for approval.\n" {
		t.Errorf("proposals after the rejection: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// With a forge, approve merges the pull request and reject closes it, as
// the token's account; the requests are GitHub's documented ones.
func TestApproveAndRejectThroughTheForge(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls = append(calls, strings.TrimSpace(r.Method+" "+r.URL.Path+" "+string(b)))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.Method + " " + r.URL.Path {
		case "GET /user":
			_, _ = io.WriteString(w, `{"login": "octocat", "id": 1}`)
		case "PUT /repos/team/delivery/pulls/7/merge":
			_, _ = io.WriteString(w, `{"sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e", "merged": true, "message": "Pull Request successfully merged"}`)
		case "POST /repos/team/delivery/issues/7/comments":
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"id": 1}`)
		case "PATCH /repos/team/delivery/pulls/7":
			_, _ = io.WriteString(w, `{"number": 7, "html_url": "`+proposalPR+`", "state": "closed", "merged": false}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer api.Close()
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("t0k"), 0o600); err != nil {
		t.Fatal(err)
	}
	bare, _, _ := waitingProposal(t)
	forgeArgs := []string{"--repo", bare, "--forge", "github", "--forge-api", api.URL, "--forge-repo", "team/delivery", "--forge-token-file", tok}

	r := ferry(t, "", append([]string{"approve", "production", "carts"}, forgeArgs...)...)
	if r.code != 0 || r.stdout != "approved carts image=carts:0.11.2 in production: merged "+proposalPR+" on github as octocat\n" {
		t.Errorf("approve --forge: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = ferry(t, "", append([]string{"reject", "production", "carts", "--reason", "not this week"}, forgeArgs...)...)
	if r.code != 0 || r.stdout != "rejected carts image=carts:0.11.2 in production: deleted "+proposalBranch+", closed "+proposalPR+" as octocat on github\n" {
		t.Errorf("reject --forge: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	want := []string{
		"GET /user",
		`PUT /repos/team/delivery/pulls/7/merge {"commit_title":"Approve carts image=carts:0.11.2 in production","merge_method":"merge"}`,
		"GET /user",
		`POST /repos/team/delivery/issues/7/comments {"body":"Rejected with ferry reject: not this week"}`,
		`PATCH /repos/team/delivery/pulls/7 {"state":"closed"}`,
	}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("forge requests (-want +got):\n%s", diff)
	}
}
