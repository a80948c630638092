package gitstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

// A pull request's head is fetched by its ref, readable afterwards, and
// never part of a snapshot: a pass does not see it and it does not make
// one run.
func TestFetchRefsKeepsThemOutOfSnapshots(t *testing.T) {
	dir := gittest.InitBare(t)
	gittest.CommitTxtar(t, dir, "main", "testdata/project.txtar")
	head := gittest.CommitFiles(t, dir, "feature", "tighten the gate", gittest.Files{"slo.yaml": gittest.Text("spec_version: \"1.0\"\n")})
	gittest.Git(t, dir, "update-ref", "refs/pull/7/head", head)
	gittest.Git(t, dir, "update-ref", "-d", "refs/heads/feature")
	srv := gittest.NewInProcess(t, dir)
	s := openStore(t, srv.URL)
	first := fetch(t, s)

	got, err := s.FetchRefs(context.Background(), "refs/pull/7/head", "refs/pull/8/head")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["refs/pull/7/head"].String() != head {
		t.Fatalf("FetchRefs = %v, want refs/pull/7/head at %s", got, head)
	}
	data, err := s.ReadFile(got["refs/pull/7/head"], "slo.yaml")
	if err != nil || string(data) != "spec_version: \"1.0\"\n" {
		t.Errorf("the fetched head reads %q, %v", data, err)
	}
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !snap.Equal(first.Snapshot) {
		t.Errorf("the snapshot changed: %v", snap.Refs)
	}
	if res := fetch(t, s); len(res.Moved) != 0 {
		t.Errorf("a fetch after FetchRefs moved %v", res.Moved)
	}
	mirror := filepath.Join(s.Options().Dir, "mirror.git")
	if _, err := gittest.TryGit(mirror, "rev-parse", "--verify", "refs/ferry-fetched/pull/7/head"); err != nil {
		t.Errorf("the mirror does not keep the fetched ref: %v", err)
	}
	// The next call replaces the set: the pull request's ref goes.
	if _, err := s.FetchRefs(context.Background(), "refs/heads/main"); err != nil {
		t.Fatal(err)
	}
	if _, err := gittest.TryGit(mirror, "rev-parse", "--verify", "refs/ferry-fetched/pull/7/head"); err == nil {
		t.Error("a fetched ref outlived the next call")
	}
	if snap, _ := s.Snapshot(); snap.Get(s.MainRef()) != gitstore.NewHash(srv.Ref("refs/heads/main").String()) {
		t.Error("FetchRefs of a tracked ref changed it")
	}
}
