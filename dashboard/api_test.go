package dashboard_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/dashboard"
	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/history"
	"github.com/ferrycd/ferry/status"
)

// git runs git on a bare repository and returns its output.
func git(tb testing.TB, repo string, args ...string) string {
	tb.Helper()
	out, err := exec.Command("git", append([]string{"--git-dir", repo}, args...)...).Output()
	if err != nil {
		tb.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// get fetches a URL and returns its status and body.
func get(tb testing.TB, url string) (int, []byte) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, body
}

func getJSON(tb testing.TB, url string, v any) {
	tb.Helper()
	code, body := get(tb, url)
	if code != http.StatusOK {
		tb.Fatalf("GET %s: %d %s", url, code, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		tb.Fatalf("GET %s: %v\n%s", url, err, body)
	}
}

// serviceCommits lists the commits of the stage branches whose
// Ferry-Service trailer names svc, as git reads them.
func serviceCommits(tb testing.TB, repo, svc string) []string {
	tb.Helper()
	var out []string
	for _, stage := range []string{"dev", "staging", "production"} {
		log := git(tb, repo, "log", "--first-parent", "--format=%H %(trailers:key=Ferry-Service,valueonly,separator=)", "stage/"+stage)
		for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
			sha, s, _ := strings.Cut(line, " ")
			if strings.TrimSpace(s) == svc {
				out = append(out, sha)
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestAPI(t *testing.T) {
	repo := storyRepo(t)
	f := newFixture(t, repo)
	const base = "/api/v1/projects/shop/sockshop"

	t.Run("projects", func(t *testing.T) {
		var got []dashboard.ProjectInfo
		getJSON(t, f.url("/api/v1/projects"), &got)
		if len(got) != 1 || got[0].Namespace != "shop" || got[0].Name != "sockshop" {
			t.Fatalf("projects = %+v, want shop/sockshop alone", got)
		}
		p := got[0]
		if want := strings.TrimSpace(git(t, repo, "rev-parse", "ferry/status")); p.StatusCommit != want {
			t.Errorf("statusCommit = %s, want %s", p.StatusCommit, want)
		}
		if len(p.Conditions) == 0 || p.Conditions[0].Type != "Ready" || p.Conditions[0].Status != "True" {
			t.Errorf("conditions = %+v, want Ready True first", p.Conditions)
		}
	})

	t.Run("status is status.json as stored", func(t *testing.T) {
		code, body := get(t, f.url(base+"/status"))
		if want := git(t, repo, "show", "ferry/status:status.json"); code != http.StatusOK || string(body) != want {
			t.Errorf("GET status: %d\n%s", code, cmp.Diff(want, string(body)))
		}
		if _, err := status.ParseSummary(body); err != nil {
			t.Error(err)
		}
	})

	t.Run("history", func(t *testing.T) {
		var got []history.Entry
		getJSON(t, f.url(base+"/services/carts/history"), &got)
		var commits []string
		for i, e := range got {
			commits = append(commits, e.Commit)
			if i > 0 && e.Time.After(got[i-1].Time) {
				t.Errorf("entry %d (%s) is newer than the one before it", i, e.Commit)
			}
		}
		sort.Strings(commits)
		if diff := cmp.Diff(serviceCommits(t, repo, "carts"), commits); diff != "" {
			t.Errorf("history commits differ from git's (-git +api):\n%s", diff)
		}
		var staging []history.Entry
		getJSON(t, f.url(base+"/services/carts/history?stage=staging"), &staging)
		for _, e := range staging {
			if e.Stage != "staging" {
				t.Errorf("?stage=staging returned an entry of %s", e.Stage)
			}
		}
		if len(staging) == 0 || len(staging) >= len(got) {
			t.Errorf("?stage=staging returned %d of %d entries", len(staging), len(got))
		}
		blocked := false
		for _, e := range got {
			if e.Stage == "staging" && strings.Contains(e.Subject, "0.11.2") && strings.HasPrefix(e.Verdict, "fail") {
				blocked = true
			}
		}
		if !blocked {
			t.Errorf("no failed verdict for 0.11.2 in staging in %+v", got)
		}
	})

	t.Run("evaluation by commit and by id", func(t *testing.T) {
		staging := strings.Fields(git(t, repo, "log", "--format=%H %s", "stage/staging"))
		var slow string
		for _, line := range strings.Split(git(t, repo, "log", "--format=%H %s", "stage/staging"), "\n") {
			if strings.Contains(line, "deploy carts") && strings.Contains(line, "0.11.2") {
				slow, _, _ = strings.Cut(line, " ")
			}
		}
		if slow == "" {
			t.Fatalf("no deployment of 0.11.2 on stage/staging: %v", staging)
		}
		code, body := get(t, f.url(base+"/evaluations/"+slow))
		if want := git(t, repo, "notes", "--ref=ferry", "show", slow); code != http.StatusOK || string(body) != want {
			t.Fatalf("GET evaluation %s: %d\n%s", slow, code, cmp.Diff(want, string(body)))
		}
		rec, err := evaluator.ParseRecord(body)
		if err != nil || rec.Result != evaluator.ResultFail {
			t.Fatalf("record on %s: %v, result %q, want fail", slow, err, rec.Result)
		}
		code, body = get(t, f.url(base+"/evaluations/"+rec.ID))
		if want := git(t, repo, "show", "ferry/status:"+evaluator.LedgerPath("staging", "carts", rec.ID)); code != http.StatusOK || string(body) != want {
			t.Errorf("GET evaluation %s: %d\n%s", rec.ID, code, cmp.Diff(want, string(body)))
		}
	})

	t.Run("problems", func(t *testing.T) {
		var got []status.Problem
		getJSON(t, f.url(base+"/problems"), &got)
		if len(got) != 1 {
			t.Fatalf("problems = %+v, want the production problem alone", got)
		}
		p := got[0]
		if p.Stage != "production" || p.Service != "carts" || p.Status != status.ProblemClosed ||
			len(p.Actions) == 0 || p.Actions[0].Action != "scaling" || p.Actions[0].Result != evaluator.ResultPass {
			t.Errorf("problem = %+v, want carts in production closed by a passing scaling action", p)
		}
	})

	for _, tc := range []struct{ name, path string }{
		{"unknown project", "/api/v1/projects/shop/nope/status"},
		{"unknown evaluation", base + "/evaluations/20200101T000000.000Z-r0"},
		{"no note on the commit", base + "/evaluations/" + strings.Repeat("0", 40)},
		{"not an id", base + "/evaluations/..%2F..%2Fstate.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(t, f.url(tc.path))
			var e struct{ Error string }
			if code != http.StatusNotFound || json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Errorf("GET %s: %d %s, want 404 with an error", tc.path, code, body)
			}
		})
	}
}
