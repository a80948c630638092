package main_test

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/internal/gittest"
)

// TestHistoryCommitPrefix resolves --commit from a unique prefix, and
// refuses a prefix too short or shared by two commits.
func TestHistoryCommitPrefix(t *testing.T) {
	d := newDelivered(t)
	bump := gittest.Git(t, d.bare, "rev-parse", "main")
	type entry struct {
		Stage     string `json:"stage"`
		Commit    string `json:"commit"`
		Candidate string `json:"candidate"`
	}
	var entries []entry
	r := ferry(t, "", "history", "carts", "--repo", d.bare, "--commit", bump[:7], "-o", "json")
	_ = json.Unmarshal([]byte(r.stdout), &entries)
	if r.code != 0 || len(entries) != 1 || entries[0].Stage != "dev" || entries[0].Candidate != bump {
		t.Errorf("history --commit with the bump's prefix: exit %d %+v %s", r.code, entries, r.stderr)
	}
	prod := gittest.Git(t, d.bare, "rev-parse", "stage/production")
	r = ferry(t, "", "history", "carts", "--repo", d.bare, "--commit", strings.ToUpper(prod[:6]), "-o", "json")
	entries = nil
	_ = json.Unmarshal([]byte(r.stdout), &entries)
	if r.code != 0 || len(entries) != 1 || entries[0].Commit != prod {
		t.Errorf("history --commit with a stage commit's prefix: exit %d %+v %s", r.code, entries, r.stderr)
	}

	collision := collide(t, d.bare, bump, 4)
	gittest.Git(t, d.bare, "update-ref", "refs/heads/main", collision, bump)
	for _, tc := range []struct{ prefix, want string }{
		{bump[:4], fmt.Sprintf("commit %q is ambiguous; candidates:\n  %s", bump[:4], strings.Join(sorted(bump[:12]+" bump carts", collision[:12]+" collision"), "\n  "))},
		{bump[:3], fmt.Sprintf("commit %q: give a SHA or a prefix of 4 to 40 hex digits", bump[:3])},
		{"xyz123", `commit "xyz123": give a SHA or a prefix of 4 to 40 hex digits`},
		{nowhere(bump, collision), "no commit of main, the stage branches or ferry's branches starts with it"},
	} {
		if r := ferry(t, "", "history", "carts", "--repo", d.bare, "--commit", tc.prefix); r.code != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("history --commit %s: exit %d, want 1 and %q:\n%s", tc.prefix, r.code, tc.want, r.stderr)
		}
	}
}

// collide writes a commit on top of parent whose SHA shares its first n
// hex digits with parent's, and returns it.
func collide(t *testing.T, bare, parent string, n int) string {
	t.Helper()
	tree := gittest.Git(t, bare, "rev-parse", parent+"^{tree}")
	for i := 0; ; i++ {
		body := fmt.Sprintf("tree %s\nparent %s\nauthor T <t@example.com> 1700000000 +0000\ncommitter T <t@example.com> 1700000000 +0000\n\ncollision\n\nnonce %d\n", tree, parent, i)
		sum := sha1.Sum([]byte(fmt.Sprintf("commit %d\x00%s", len(body), body)))
		if sha := hex.EncodeToString(sum[:]); sha[:n] == parent[:n] {
			cmd := exec.Command("git", "-C", bare, "hash-object", "-t", "commit", "-w", "--stdin")
			cmd.Stdin = strings.NewReader(body)
			out, err := cmd.Output()
			if err != nil || strings.TrimSpace(string(out)) != sha {
				t.Fatalf("write the colliding commit: %v %s", err, out)
			}
			return sha
		}
	}
}

// nowhere returns a 6-digit prefix of neither commit (and, most likely,
// of no other).
func nowhere(a, b string) string {
	for _, p := range []string{"000000", "ffffff", "123456"} {
		if !strings.HasPrefix(a, p) && !strings.HasPrefix(b, p) {
			return p
		}
	}
	return "abcdef"
}

func sorted(a, b string) []string {
	if b < a {
		return []string{b, a}
	}
	return []string{a, b}
}
