package gitstore_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

// The interoperability suite runs against git http-backend, the reference
// smart-HTTP server, and checks with the git command line that what ferry
// writes is what Git itself would read.

func httpRemote(tb testing.TB, auth *gittest.BasicAuth) (dir, url string) {
	tb.Helper()
	dir = gittest.InitBare(tb)
	gittest.CommitTxtar(tb, dir, "main", "testdata/project.txtar")
	_, url = gittest.NewHTTPServer(tb, dir, auth)
	return dir, url
}

func TestHTTPWriteIsReadByGit(t *testing.T) {
	dir, url := httpRemote(t, nil)
	s := openStore(t, url)
	snap := fetch(t, s).Snapshot
	mainSHA := snap.Get(s.MainRef())

	b := s.Begin(snap)
	stage, err := b.Commit(s.StageRef("staging"), gitstore.CommitRequest{
		Message: "deploy carts 0.11.1 to staging\n\nRendered from main.",
		Trailers: gitstore.Trailers{
			{Key: "Ferry-Service", Value: "carts"},
			{Key: "Ferry-Candidate", Value: mainSHA.String()},
			{Key: "Ferry-Verdict", Value: "pass 95.5"},
		},
		Edits: []gitstore.Edit{gitstore.Put("services/carts/manifests.yaml", []byte("kind: Deployment\n"))},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Commit(s.FerryRef("status"), gitstore.CommitRequest{
		Message: "status", Edits: []gitstore.Edit{gitstore.Put("STATUS.md", []byte("# status\n"))},
	}); err != nil {
		t.Fatal(err)
	}
	b.SetNote(stage, []byte("{\"result\":\"pass\",\"score\":95.5}\n"))
	b.SetNote(mainSHA, []byte("staging: deployed\n"))
	if _, err := s.Push(context.Background(), b); err != nil {
		t.Fatalf("push over http: %v", err)
	}

	gittest.Git(t, dir, "fsck", "--full", "--strict")
	trailers := gittest.Git(t, dir, "log", "-1", "--format=%(trailers)", "stage/staging")
	want := "Ferry-Service: carts\nFerry-Candidate: " + mainSHA.String() + "\nFerry-Verdict: pass 95.5"
	if trailers != want {
		t.Errorf("git log %%(trailers) =\n%s\nwant\n%s", trailers, want)
	}
	if got := gittest.Git(t, dir, "notes", "--ref=ferry", "show", stage.String()); got != `{"result":"pass","score":95.5}` {
		t.Errorf("git notes show stage commit = %q", got)
	}
	if got := gittest.Git(t, dir, "log", "-1", "--notes=ferry", "--format=%N", "main"); got != "staging: deployed" {
		t.Errorf("git log --notes=ferry main = %q", got)
	}
	if got := gittest.Git(t, dir, "show", "ferry/status:STATUS.md"); got != "# status" {
		t.Errorf("STATUS.md = %q", got)
	}

	// A second store (a restarted ferry elsewhere) reads it all back.
	s2 := openStore(t, url)
	snap2 := fetch(t, s2).Snapshot
	c, err := s2.Commit(snap2.Get(s2.StageRef("staging")))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Trailers.Get("ferry-verdict"); v != "pass 95.5" {
		t.Errorf("trailer read back = %q", v)
	}
	note, err := s2.Note(snap2.Get(s2.NotesRef()), mainSHA)
	if err != nil || string(note) != "staging: deployed\n" {
		t.Errorf("note read back = %q, %v", note, err)
	}
}

func TestHTTPPushRacingGitCLIIsRejectedWhole(t *testing.T) {
	dir, url := httpRemote(t, nil)
	gittest.CommitFiles(t, dir, "stage/dev", "deploy", gittest.Files{"a": gittest.Text("1")})
	s := openStore(t, url)
	snap := fetch(t, s).Snapshot

	// Someone pushes to stage/dev with the git CLI after ferry fetched.
	theirs := gittest.CommitFiles(t, dir, "stage/dev", "hotfix by hand", gittest.Files{"a": gittest.Text("2")})
	before := allRefs(t, dir)

	b := s.Begin(snap)
	for _, ref := range []string{s.StageRef("dev"), s.StageRef("staging"), s.FerryRef("status")} {
		if _, err := b.Commit(ref, gitstore.CommitRequest{Message: "ferry", Edits: []gitstore.Edit{gitstore.Put("f", []byte(ref))}}); err != nil {
			t.Fatal(err)
		}
	}
	b.SetNote(snap.Get(s.MainRef()), []byte("x"))
	_, err := s.Push(context.Background(), b)
	if !gitstore.IsStale(err) {
		t.Fatalf("push = %v, want stale", err)
	}
	if after := allRefs(t, dir); after != before {
		t.Errorf("refs moved after a rejected push:\nbefore\n%s\nafter\n%s", before, after)
	}
	if got := gittest.Git(t, dir, "rev-parse", "stage/dev"); got != theirs {
		t.Errorf("stage/dev = %s, want the CLI's %s", got, theirs)
	}

	// Fetch and recompute: the push goes through.
	snap = fetch(t, s).Snapshot
	b = s.Begin(snap)
	if _, err := b.Commit(s.StageRef("dev"), gitstore.CommitRequest{Message: "ferry", Edits: []gitstore.Edit{gitstore.Put("f", []byte("dev"))}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Push(context.Background(), b); err != nil {
		t.Fatalf("push after refetch: %v", err)
	}
	if got := gittest.Git(t, dir, "rev-parse", "stage/dev~1"); got != theirs {
		t.Errorf("ferry's commit is not on top of the CLI's")
	}
}

// TestHTTPConcurrentPushesNeverMix pushes from ferry and the git CLI at the
// same time, many times: each ferry push lands whole or not at all.
func TestHTTPConcurrentPushesNeverMix(t *testing.T) {
	dir, url := httpRemote(t, nil)
	s := openStore(t, url)
	work := filepath.Join(t.TempDir(), "work")
	gittest.Git(t, "", "clone", "--quiet", dir, work)

	landed, rejected := 0, 0
	for i := range 15 {
		snap := fetch(t, s).Snapshot
		gittest.Git(t, work, "pull", "--quiet", "--rebase", "origin", "main")
		if err := os.WriteFile(filepath.Join(work, "ci.txt"), []byte(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
		gittest.Git(t, work, "commit", "--quiet", "-am", "ci", "--allow-empty")

		b := s.Begin(snap)
		for _, ref := range []string{s.MainRef(), s.StageRef("dev"), s.FerryRef("status")} {
			if _, err := b.Commit(ref, gitstore.CommitRequest{Message: fmt.Sprint("ferry ", i), Edits: []gitstore.Edit{gitstore.Put("ferry.txt", []byte(fmt.Sprint(i)))}}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		var pushErr, cliErr error
		wg.Add(2)
		go func() { defer wg.Done(); _, pushErr = s.Push(context.Background(), b) }()
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i%4) * 15 * time.Millisecond) // let either side win
			_, cliErr = gittest.TryGit(work, "push", "--quiet", "origin", "HEAD:main")
		}()
		wg.Wait()

		devCommit, _ := gittest.TryGit(dir, "log", "-1", "--format=%s", "stage/dev")
		switch {
		case pushErr == nil:
			landed++
			if devCommit != fmt.Sprint("ferry ", i) || gittest.Git(t, dir, "log", "-1", "--format=%s", "ferry/status") != fmt.Sprint("ferry ", i) {
				t.Fatalf("round %d: ferry's push succeeded but not every ref moved", i)
			}
			if cliErr == nil {
				t.Fatalf("round %d: both pushes to main succeeded", i)
			}
		case gitstore.IsStale(pushErr):
			rejected++
			if devCommit == fmt.Sprint("ferry ", i) {
				t.Fatalf("round %d: ferry's push was rejected but stage/dev moved", i)
			}
			if cliErr != nil {
				t.Fatalf("round %d: both pushes were rejected: %v", i, cliErr)
			}
		default:
			t.Fatalf("round %d: push: %v", i, pushErr)
		}
		if cliErr != nil {
			gittest.Git(t, work, "reset", "--quiet", "--hard", "HEAD~1")
		}
	}
	t.Logf("ferry landed %d, rejected whole %d", landed, rejected)
	gittest.Git(t, dir, "fsck", "--full")
}

func TestHTTPReadsHistoryWrittenByGit(t *testing.T) {
	dir := gittest.InitBare(t)
	gittest.CommitTxtar(t, dir, "main", "testdata/project.txtar")
	work := filepath.Join(t.TempDir(), "work")
	gittest.Git(t, "", "clone", "--quiet", dir, work)
	// A merge commit.
	gittest.Git(t, work, "checkout", "--quiet", "-b", "topic")
	writeFile(t, filepath.Join(work, "services/carts/pin.yaml"), "image: carts:0.12.0\n")
	gittest.Git(t, work, "commit", "--quiet", "-am", "bump on topic")
	gittest.Git(t, work, "checkout", "--quiet", "main")
	writeFile(t, filepath.Join(work, "holds/production.yaml"), "reason: freeze\n")
	gittest.Git(t, work, "add", "-A")
	gittest.Git(t, work, "commit", "--quiet", "-m", "freeze")
	gittest.Git(t, work, "merge", "--quiet", "--no-ff", "-m", "Merge topic\n\nReviewed-by: Ann <ann@example.com>", "topic")
	gittest.Git(t, work, "push", "--quiet", "origin", "main")
	mainSHA := gittest.Git(t, work, "rev-parse", "HEAD")
	commits := strings.Split(gittest.Git(t, work, "rev-list", "main"), "\n")
	for i, c := range commits {
		gittest.Git(t, work, "notes", "--ref=ferry", "add", "-m", fmt.Sprint("note ", i), c)
	}
	addManyNotes(t, work, 300) // enough for git to fan the notes tree out
	gittest.Git(t, work, "push", "--quiet", "origin", "refs/notes/ferry")
	if top := gittest.Git(t, dir, "ls-tree", "--name-only", "refs/notes/ferry"); len(strings.Split(top, "\n")[0]) != 2 {
		t.Fatalf("git did not fan out the notes tree: %q", top[:80])
	}
	_, url := gittest.NewHTTPServer(t, dir, nil)

	s := openStore(t, url)
	snap := fetch(t, s).Snapshot
	merge, err := s.Commit(gitstore.NewHash(mainSHA))
	if err != nil {
		t.Fatal(err)
	}
	if len(merge.Parents) != 2 || merge.Subject() != "Merge topic" {
		t.Errorf("merge commit read as %d parents, subject %q", len(merge.Parents), merge.Subject())
	}
	if v, ok := merge.Trailers.Get("Reviewed-by"); !ok || v != "Ann <ann@example.com>" {
		t.Errorf("merge trailer = %q, %v", v, ok)
	}
	pin, err := s.ReadFile(merge.Hash, "services/carts/pin.yaml")
	if err != nil || string(pin) != "image: carts:0.12.0\n" {
		t.Errorf("pin at merge = %q, %v", pin, err)
	}
	changed, err := s.ChangedPaths(merge.Parents[0], merge.Hash)
	if err != nil || strings.Join(changed, ",") != "services/carts/pin.yaml" {
		t.Errorf("changed by merge = %v, %v", changed, err)
	}
	notes := snap.Get(s.NotesRef())
	for i, c := range commits {
		got, err := s.Note(notes, gitstore.NewHash(c))
		if err != nil || string(got) != fmt.Sprint("note ", i, "\n") {
			t.Errorf("note on %s = %q, %v", c[:7], got, err)
		}
	}

	// ferry adds to git's fanned-out tree; git reads old and new notes.
	b := s.Begin(snap)
	b.SetNote(merge.Hash, []byte("replaced by ferry\n"))
	if _, err := s.Push(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if got := gittest.Git(t, dir, "notes", "--ref=ferry", "show", mainSHA); got != "replaced by ferry" {
		t.Errorf("git reads ferry's note as %q", got)
	}
	if got := gittest.Git(t, dir, "notes", "--ref=ferry", "show", commits[len(commits)-1]); got != fmt.Sprint("note ", len(commits)-1) {
		t.Errorf("git reads its own note as %q", got)
	}
	gittest.Git(t, dir, "fsck", "--full", "--strict")
}

// addManyNotes adds n notes on n new commits of a scratch branch with
// git fast-import, which fans the notes tree out as git-notes does.
func addManyNotes(tb testing.TB, work string, n int) {
	tb.Helper()
	var in strings.Builder
	for i := range n {
		msg := fmt.Sprint("scratch ", i)
		fmt.Fprintf(&in, "commit refs/heads/scratch\nmark :%d\ncommitter T <t@example.com> 1700000000 +0000\ndata %d\n%s\n", i+1, len(msg), msg)
	}
	fmt.Fprintf(&in, "commit refs/notes/ferry\ncommitter T <t@example.com> 1700000000 +0000\ndata 5\nnotes\nfrom refs/notes/ferry^0\n")
	for i := range n {
		fmt.Fprintf(&in, "N inline :%d\ndata 5\nmany\n", i+1)
	}
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir, cmd.Env, cmd.Stdin = work, gittest.Env(), strings.NewReader(in.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("git fast-import: %v: %s", err, out)
	}
}

func writeFile(tb testing.TB, p, content string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func allRefs(tb testing.TB, dir string) string {
	tb.Helper()
	return gittest.Git(tb, dir, "for-each-ref", "--format=%(refname) %(objectname)")
}
