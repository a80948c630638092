package main_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/stages"
)

// TestTriggerWritesACandidate triggers sequences from a clone and through
// --repo, and reads the commits back as ferry run does.
func TestTriggerWritesACandidate(t *testing.T) {
	bare := gittest.InitBare(t)
	before := gittest.CommitTxtar(t, bare, "main", "../../stages/testdata/sockshop.txtar")
	clone := filepath.Join(t.TempDir(), "clone")
	gittest.Git(t, "", "clone", "--quiet", bare, clone)

	r := ferry(t, clone, "trigger", "carts-db", "--sequence", "delivery-direct")
	if r.code != 0 || !strings.HasSuffix(r.stdout, ": carts-db starts delivery-direct in dev\n") {
		t.Fatalf("trigger from a clone: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	first := gittest.Git(t, bare, "rev-parse", "main")
	if got := gittest.Git(t, bare, "log", "-1", "--format=%s%n%(trailers)", "main"); got != "Trigger delivery-direct for carts-db\nFerry-Service: carts-db\nFerry-Sequence: delivery-direct" {
		t.Errorf("the trigger commit reads:\n%s", got)
	}
	if changed := gittest.Git(t, bare, "diff", "--name-only", before, first); changed != "" {
		t.Errorf("the trigger commit changed files: %s", changed)
	}

	_, url := gittest.NewHTTPServer(t, bare, nil)
	if r := ferry(t, "", "trigger", "carts", "--sequence", "rollback", "--repo", url, "-m", "roll staging back"); r.code != 0 || !strings.Contains(r.stdout, "carts starts rollback in staging") {
		t.Fatalf("trigger --repo: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	second := gittest.Git(t, bare, "rev-parse", "main")
	if subject := gittest.Git(t, bare, "log", "-1", "--format=%s", "main"); subject != "roll staging back" {
		t.Errorf("-m gave the subject %q", subject)
	}

	s, err := gitstore.Open(gitstore.Options{URL: bare, Dir: filepath.Join(t.TempDir(), "state")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	cands, err := stages.NewCache(s.Reader).Candidates(gitstore.NewHash(second), gitstore.NewHash(before))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cands {
		for _, svc := range c.Services {
			stage, seq, err := c.Project.StartSequence(svc, c.SequenceFor(svc))
			got = append(got, strings.Join([]string{gitstore.ShortSHA(c.Commit.String()), svc, stage, seq}, " ")+errString(err))
		}
	}
	want := []string{
		gitstore.ShortSHA(first) + " carts-db dev delivery-direct",
		gitstore.ShortSHA(second) + " carts staging rollback",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("candidates (-want +got):\n%s", diff)
	}
}

func TestTriggerChecksBeforeWriting(t *testing.T) {
	bare := gittest.InitBare(t)
	tip := gittest.CommitTxtar(t, bare, "main", "../../stages/testdata/sockshop.txtar")
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"carts", "--sequence", "nope"}, 1, `no sequence "nope" in shipyard.yaml (sequences: delivery, delivery-direct, rollback, remediation)`},
		{[]string{"orders", "--sequence", "delivery"}, 1, `unknown service "orders"; known: carts, carts-db`},
		{[]string{"carts"}, 2, "--sequence is required"},
	}
	for _, tt := range tests {
		r := ferry(t, "", append([]string{"trigger", "--repo", bare}, tt.args...)...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
			t.Errorf("trigger %v: exit %d, want %d with %q:\n%s", tt.args, r.code, tt.code, tt.stderr, r.stderr)
		}
	}
	if now := gittest.Git(t, bare, "rev-parse", "main"); now != tip {
		t.Errorf("a refused trigger moved main to %s", now)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return " " + err.Error()
}
