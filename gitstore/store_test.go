package gitstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

func TestFetchMirrorsOnlyFerryRefs(t *testing.T) {
	srv, mainSHA := seeded(t)
	gittest.CommitFiles(t, srv.Dir, "feature/x", "unrelated", gittest.Files{"a": gittest.Text("1")})
	devSHA := gittest.CommitFiles(t, srv.Dir, "stage/dev", "deploy", gittest.Files{"m.yaml": gittest.Text("x")})
	s := openStore(t, srv.URL)

	res := fetch(t, s)
	want := map[string]string{"refs/heads/main": mainSHA, "refs/heads/stage/dev": devSHA}
	if diff := cmp.Diff(want, refStrings(res.Snapshot)); diff != "" {
		t.Errorf("snapshot (-want +got):\n%s", diff)
	}
	if !res.Transferred || len(res.Moved) != 2 {
		t.Errorf("first fetch: transferred=%v moved=%v, want a transfer of 2 refs", res.Transferred, res.Moved)
	}

	again := fetch(t, s)
	if again.Transferred || len(again.Moved) != 0 {
		t.Errorf("idle fetch: transferred=%v moved=%v, want nothing", again.Transferred, again.Moved)
	}

	next := gittest.CommitFiles(t, srv.Dir, "main", "bump", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: carts:0.11.2\n")})
	gittest.Git(t, srv.Dir, "update-ref", "-d", "refs/heads/stage/dev")
	res = fetch(t, s)
	want = map[string]string{"refs/heads/main": next}
	if diff := cmp.Diff(want, refStrings(res.Snapshot)); diff != "" {
		t.Errorf("after bump and delete (-want +got):\n%s", diff)
	}
	local, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, refStrings(local)); diff != "" {
		t.Errorf("mirror refs (-want +got):\n%s", diff)
	}
}

func TestMirrorSurvivesRestart(t *testing.T) {
	srv, mainSHA := seeded(t)
	dir := filepath.Join(t.TempDir(), "state")
	s := openStore(t, srv.URL, func(o *gitstore.Options) { o.Dir = dir })
	fetch(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, srv.URL, func(o *gitstore.Options) { o.Dir = dir })
	res := fetch(t, s2)
	if res.Transferred || len(res.Moved) != 0 {
		t.Errorf("fetch after restart: transferred=%v moved=%v, want nothing", res.Transferred, res.Moved)
	}
	b, err := s2.ReadFile(gitstore.NewHash(mainSHA), "services/carts/pin.yaml")
	if err != nil || string(b) != "image: carts:0.11.1\n" {
		t.Errorf("read after restart: %q, %v", b, err)
	}
}

func TestStateDirIsExclusive(t *testing.T) {
	srv, _ := seeded(t)
	dir := filepath.Join(t.TempDir(), "state")
	openStore(t, srv.URL, func(o *gitstore.Options) { o.Dir = dir })
	_, err := gitstore.Open(gitstore.Options{URL: srv.URL, Dir: dir})
	if !errors.Is(err, gitstore.ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

func TestReadFileAndDir(t *testing.T) {
	srv, sha := seeded(t)
	s := openStore(t, srv.URL)
	fetch(t, s)
	c := gitstore.NewHash(sha)

	got, err := s.ReadFile(c, "services/carts/pin.yaml")
	if err != nil || string(got) != "image: carts:0.11.1\n" {
		t.Errorf("ReadFile = %q, %v", got, err)
	}
	for _, p := range []string{"services/carts/nope.yaml", "services/carts", "nope/deeper/file"} {
		if _, err := s.ReadFile(c, p); !gitstore.IsNotFound(err) {
			t.Errorf("ReadFile(%q) = %v, want not found", p, err)
		}
	}
	dir, err := s.ReadDir(c, "services/carts/chart")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Chart.yaml", "templates/deployment.yaml"}, keys(dir)); diff != "" {
		t.Errorf("ReadDir (-want +got):\n%s", diff)
	}
	if _, err := s.ReadDir(c, "services/nope"); !gitstore.IsNotFound(err) {
		t.Errorf("ReadDir(missing) = %v, want not found", err)
	}
	if _, err := s.ReadFile(gitstore.NewHash(strings.Repeat("1", 40)), "x"); !gitstore.IsNotFound(err) {
		t.Errorf("ReadFile(unknown commit) = %v, want not found", err)
	}
}

func TestChangedPaths(t *testing.T) {
	srv, first := seeded(t)
	second := gittest.CommitFiles(t, srv.Dir, "main", "bump and tidy", gittest.Files{
		"services/carts/pin.yaml":             gittest.Text("image: carts:0.11.2\n"),
		"services/carts/chart/values.yaml":    gittest.Text("replicaCount: 1\n"),
		"services/carts-db/pin.yaml":          nil,
		"services/orders/stages/dev/slo.yaml": gittest.Text("spec_version: '1.0'\n"),
	})
	s := openStore(t, srv.URL)
	fetch(t, s)

	got, err := s.ChangedPaths(gitstore.NewHash(first), gitstore.NewHash(second))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"services/carts-db/pin.yaml",
		"services/carts/chart/values.yaml",
		"services/carts/pin.yaml",
		"services/orders/stages/dev/slo.yaml",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ChangedPaths (-want +got):\n%s", diff)
	}
	all, err := s.ChangedPaths(gitstore.ZeroHash, gitstore.NewHash(first))
	if err != nil || len(all) != 5 {
		t.Errorf("ChangedPaths from nothing = %v, %v; want the 5 seeded files", all, err)
	}
}

func TestBatchCommitsNotesAndPush(t *testing.T) {
	srv, mainSHA := seeded(t)
	s := openStore(t, srv.URL)
	snap := fetch(t, s).Snapshot
	b := s.Begin(snap)

	dev := s.StageRef("dev")
	c1, err := b.Commit(dev, gitstore.CommitRequest{
		Message:  "deploy carts 0.11.1 to dev",
		Trailers: gitstore.Trailers{{Key: "Ferry-Service", Value: "carts"}, {Key: "Ferry-Stage", Value: "dev"}, {Key: "Ferry-Task", Value: "deployment"}},
		Edits: []gitstore.Edit{
			gitstore.Put("services/carts/manifests.yaml", []byte("kind: Deployment\n")),
			gitstore.Put("services/carts/release.yaml", []byte("version: 0.11.1\n")),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := b.Commit(dev, gitstore.CommitRequest{
		Message:  "scale carts in dev",
		Trailers: gitstore.Trailers{{Key: "Ferry-Task", Value: "action"}},
		Edits:    []gitstore.Edit{gitstore.Put("services/carts/overrides.yaml", []byte("replicaCount: 2\n"))},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Commit(dev, gitstore.CommitRequest{Message: "nothing", Edits: []gitstore.Edit{gitstore.Put("services/carts/overrides.yaml", []byte("replicaCount: 2\n"))}}); !errors.Is(err, gitstore.ErrNoChange) {
		t.Errorf("commit without change: %v, want ErrNoChange", err)
	}
	b.SetNote(gitstore.NewHash(mainSHA), []byte("dev: deployed\n"))
	b.SetNote(c1, []byte(`{"verdict":"pass"}`+"\n"))

	res, err := s.Push(context.Background(), b)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if len(res.Updates) != 2 || srv.Pushes() != 1 {
		t.Errorf("push sent %d updates in %d pushes, want 2 in 1", len(res.Updates), srv.Pushes())
	}
	if got := srv.Ref(dev); got != c2 {
		t.Errorf("remote %s = %s, want %s", dev, got, c2)
	}

	gittest.Git(t, srv.Dir, "fsck", "--full", "--strict")
	log := gittest.Git(t, srv.Dir, "log", "--format=%s|%(trailers:key=Ferry-Task,valueonly)", "stage/dev")
	if want := "scale carts in dev|action\n\ndeploy carts 0.11.1 to dev|deployment"; log != want {
		t.Errorf("git log =\n%s\nwant\n%s", log, want)
	}
	if got := gittest.Git(t, srv.Dir, "notes", "--ref=ferry", "show", mainSHA); got != "dev: deployed" {
		t.Errorf("git notes show = %q", got)
	}
	files := gittest.Git(t, srv.Dir, "ls-tree", "-r", "--name-only", "stage/dev")
	if files != "services/carts/manifests.yaml\nservices/carts/overrides.yaml\nservices/carts/release.yaml" {
		t.Errorf("stage tree = %q", files)
	}

	// The mirror has what it pushed: reading back needs no fetch.
	got, err := s.ReadFile(c2, "services/carts/overrides.yaml")
	if err != nil || string(got) != "replicaCount: 2\n" {
		t.Errorf("read pushed file = %q, %v", got, err)
	}
	if fr := fetch(t, s); fr.Transferred || len(fr.Moved) != 0 {
		t.Errorf("fetch after push: transferred=%v moved=%v, want nothing", fr.Transferred, fr.Moved)
	}
}

func TestPushOfMovedRefIsRejectedWhole(t *testing.T) {
	srv, _ := seeded(t)
	s := openStore(t, srv.URL)
	snap := fetch(t, s).Snapshot

	// CI pushes to main after ferry fetched.
	ci := gittest.CommitFiles(t, srv.Dir, "main", "bump", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: carts:0.11.2\n")})

	b := s.Begin(snap)
	if _, err := b.Commit(s.StageRef("dev"), gitstore.CommitRequest{Message: "deploy", Edits: []gitstore.Edit{gitstore.Put("a", []byte("1"))}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Commit(s.MainRef(), gitstore.CommitRequest{Message: "edit main", Edits: []gitstore.Edit{gitstore.Put("b", []byte("2"))}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Push(context.Background(), b)
	if !gitstore.IsStale(err) {
		t.Fatalf("push = %v, want stale", err)
	}
	if got := srv.Ref("refs/heads/main").String(); got != ci {
		t.Errorf("main = %s, want CI's %s", got, ci)
	}
	if got := srv.Ref(s.StageRef("dev")); !got.IsZero() {
		t.Errorf("stage/dev was created (%s) by a rejected push", got)
	}
}

func TestMultiRefPushNeedsAtomicServer(t *testing.T) {
	srv, _ := seeded(t)
	srv.DisableAtomic()
	s := openStore(t, srv.URL)
	snap := fetch(t, s).Snapshot
	b := s.Begin(snap)
	for _, st := range []string{"dev", "staging"} {
		if _, err := b.Commit(s.StageRef(st), gitstore.CommitRequest{Message: "deploy", Edits: []gitstore.Edit{gitstore.Put("a", []byte(st))}}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.Push(context.Background(), b)
	if !errors.Is(err, gitstore.ErrRejected) || !strings.Contains(err.Error(), "atomic") {
		t.Fatalf("push = %v, want a rejection naming atomic pushes", err)
	}
	if srv.Pushes() != 0 {
		t.Errorf("server saw %d pushes, want none", srv.Pushes())
	}

	one := s.Begin(snap)
	if _, err := one.Commit(s.StageRef("dev"), gitstore.CommitRequest{Message: "deploy", Edits: []gitstore.Edit{gitstore.Put("a", []byte("x"))}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Push(context.Background(), one); err != nil {
		t.Errorf("single-ref push to a non-atomic server: %v", err)
	}
}

func TestTreeEdits(t *testing.T) {
	srv, sha := seeded(t)
	s := openStore(t, srv.URL)
	snap := fetch(t, s).Snapshot
	tests := []struct {
		name  string
		edits []gitstore.Edit
		want  []string
	}{
		{
			name:  "replace and add nested",
			edits: []gitstore.Edit{gitstore.Put("services/carts/pin.yaml", []byte("v2")), gitstore.Put("a/b/c/d.txt", []byte("deep"))},
			want: []string{
				"a/b/c/d.txt", "services/carts-db/pin.yaml", "services/carts/chart/Chart.yaml",
				"services/carts/chart/templates/deployment.yaml", "services/carts/pin.yaml", "shipyard.yaml",
			},
		},
		{
			name:  "delete a directory",
			edits: []gitstore.Edit{gitstore.Delete("services/carts")},
			want:  []string{"services/carts-db/pin.yaml", "shipyard.yaml"},
		},
		{
			name:  "deleting the last file removes empty directories",
			edits: []gitstore.Edit{gitstore.Delete("services/carts-db/pin.yaml"), gitstore.Delete("services/carts")},
			want:  []string{"shipyard.yaml"},
		},
		{
			name:  "a file replaces a directory",
			edits: []gitstore.Edit{gitstore.Put("services", []byte("flat"))},
			want:  []string{"services", "shipyard.yaml"},
		},
		{
			name:  "delete what is missing",
			edits: []gitstore.Edit{gitstore.Delete("nope/nothing"), gitstore.Delete("shipyard.yaml/x")},
			want: []string{
				"services/carts-db/pin.yaml", "services/carts/chart/Chart.yaml",
				"services/carts/chart/templates/deployment.yaml", "services/carts/pin.yaml", "shipyard.yaml",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := s.Begin(snap)
			ref := gitstore.BranchRef("stage/" + strings.ReplaceAll(tt.name, " ", "-"))
			b.SetRef(ref, gitstore.NewHash(sha))
			c, err := b.Commit(ref, gitstore.CommitRequest{Message: tt.name, Edits: tt.edits, AllowEmpty: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Push(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			got := strings.Split(gittest.Git(t, srv.Dir, "ls-tree", "-r", "--name-only", c.String()), "\n")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
			gittest.Git(t, srv.Dir, "fsck", "--strict", "--no-dangling")
		})
	}
}

func TestInvalidPaths(t *testing.T) {
	srv, _ := seeded(t)
	s := openStore(t, srv.URL)
	b := s.Begin(fetch(t, s).Snapshot)
	for _, p := range []string{"", "/abs", "a//b", "a/../b", "./a", "a/", ".git/config", "a/.git"} {
		_, err := b.Commit(s.StageRef("dev"), gitstore.CommitRequest{Message: "x", Edits: []gitstore.Edit{gitstore.Put(p, []byte("x"))}})
		if err == nil {
			t.Errorf("path %q accepted", p)
		}
	}
}

func TestManyNotesFanOutLikeGit(t *testing.T) {
	srv, _ := seeded(t)
	s := openStore(t, srv.URL)
	snap := fetch(t, s).Snapshot
	b := s.Begin(snap)
	var commits []gitstore.Hash
	for i := range 300 {
		c, err := b.Commit(s.StageRef("dev"), gitstore.CommitRequest{Message: "c", Edits: []gitstore.Edit{gitstore.Put("n", []byte{byte(i), byte(i >> 8)})}})
		if err != nil {
			t.Fatal(err)
		}
		commits = append(commits, c)
		b.SetNote(c, []byte("note "+c.String()[:7]+"\n"))
	}
	if _, err := s.Push(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	top := gittest.Git(t, srv.Dir, "ls-tree", "--name-only", "refs/notes/ferry")
	for _, name := range strings.Split(top, "\n") {
		if len(name) != 2 {
			t.Fatalf("notes tree root has %q; want only two-digit fan-out directories", name)
		}
	}
	for _, c := range []gitstore.Hash{commits[0], commits[150], commits[299]} {
		if got := gittest.Git(t, srv.Dir, "notes", "--ref=ferry", "show", c.String()); got != "note "+c.String()[:7] {
			t.Errorf("git notes show %s = %q", c, got)
		}
	}

	// Replace one and remove one in a second batch; git sees both changes.
	b = s.Begin(fetch(t, s).Snapshot)
	b.SetNote(commits[1], []byte("replaced\n"))
	b.RemoveNote(commits[2])
	if _, err := s.Push(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if got := gittest.Git(t, srv.Dir, "notes", "--ref=ferry", "show", commits[1].String()); got != "replaced" {
		t.Errorf("replaced note = %q", got)
	}
	if _, err := gittest.TryGit(srv.Dir, "notes", "--ref=ferry", "show", commits[2].String()); err == nil {
		t.Errorf("removed note still shown")
	}
	if n := strings.Count(gittest.Git(t, srv.Dir, "notes", "--ref=ferry", "list"), "\n") + 1; n != 299 {
		t.Errorf("git notes list has %d notes, want 299", n)
	}
}

func TestMirrorRepacksWhenPacksAccumulate(t *testing.T) {
	srv, _ := seeded(t)
	s := openStore(t, srv.URL, func(o *gitstore.Options) { o.MaxPacks = 3 })
	for i := range 8 {
		gittest.CommitFiles(t, srv.Dir, "main", "bump", gittest.Files{"services/carts/pin.yaml": gittest.Text(strings.Repeat("x", i+1))})
		fetch(t, s)
	}
	packs, _ := filepath.Glob(filepath.Join(stateDir(t, s), "mirror.git", "objects", "pack", "*.pack"))
	if len(packs) > 3 {
		t.Errorf("mirror holds %d packs, want at most 3", len(packs))
	}
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadFile(snap.Get(s.MainRef()), "services/carts/pin.yaml")
	if err != nil || string(got) != strings.Repeat("x", 8) {
		t.Errorf("read after repack = %q, %v", got, err)
	}
}

func stateDir(tb testing.TB, s *gitstore.Store) string {
	tb.Helper()
	return s.Options().Dir
}

func refStrings(s gitstore.Snapshot) map[string]string {
	out := map[string]string{}
	for k, v := range s.Refs {
		out[k] = v.String()
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestLocalPathAndFileURL(t *testing.T) {
	for _, form := range []string{"path", "file://"} {
		t.Run(form, func(t *testing.T) {
			dir := gittest.InitBare(t)
			gittest.CommitTxtar(t, dir, "main", "testdata/project.txtar")
			url := dir
			if form == "file://" {
				url = "file://" + dir
			}
			s := openStore(t, url)
			snap := fetch(t, s).Snapshot
			b := s.Begin(snap)
			for _, ref := range []string{s.StageRef("dev"), s.FerryRef("status")} {
				if _, err := b.Commit(ref, gitstore.CommitRequest{Message: "x", Edits: []gitstore.Edit{gitstore.Put("f", []byte(ref))}}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Push(context.Background(), b); err != nil {
				t.Fatalf("push to %s: %v", form, err)
			}
			if got := gittest.Git(t, dir, "show", "ferry/status:f"); got != s.FerryRef("status") {
				t.Errorf("ferry/status:f = %q", got)
			}
		})
	}
}

func TestCommitRejectsTrailersGitWouldNotRead(t *testing.T) {
	srv, _ := seeded(t)
	s := openStore(t, srv.URL)
	b := s.Begin(fetch(t, s).Snapshot)
	for _, tr := range []gitstore.Trailer{
		{Key: "Ferry Service", Value: "carts"},
		{Key: "Ferry-Service", Value: "two\nlines"},
		{Key: "Ferry-Service", Value: ""},
		{Key: "", Value: "x"},
	} {
		_, err := b.Commit(s.StageRef("dev"), gitstore.CommitRequest{Message: "x", Trailers: gitstore.Trailers{tr}, Edits: []gitstore.Edit{gitstore.Put("f", []byte("x"))}})
		if err == nil {
			t.Errorf("trailer %q: %q accepted", tr.Key, tr.Value)
		}
	}
}

func TestCreateMakesARootCommitOnce(t *testing.T) {
	srv, _ := seeded(t)
	s := openStore(t, srv.URL)
	b := s.Begin(fetch(t, s).Snapshot)
	ref := s.StageRef("production")
	req := gitstore.CommitRequest{Message: "create stage production", Edits: []gitstore.Edit{gitstore.Put("kustomization.yaml", []byte("resources: []\n"))}}
	if err := b.Create(ref, req); err != nil {
		t.Fatal(err)
	}
	root := b.Tip(ref)
	c, err := b.Reader.Commit(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Parents) != 0 {
		t.Errorf("the created branch's commit has parents %v", c.Parents)
	}
	req.Edits = []gitstore.Edit{gitstore.Put("other", []byte("x"))}
	if err := b.Create(ref, req); err != nil {
		t.Fatal(err)
	}
	if tip := b.Tip(ref); tip != root {
		t.Errorf("Create moved an existing branch from %s to %s", root, tip)
	}
}
