package gitstore_test

import (
	"path"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

// ListDirs lists what ListDir lists for each directory, in one read of the
// parent; files of the parent map to nil.
func TestListDirs(t *testing.T) {
	dir := gittest.InitBare(t)
	sha := gittest.CommitFiles(t, dir, "main", "services", gittest.Files{
		"services/a/pin.yaml":          gittest.Text("image: a\n"),
		"services/a/chart/Chart.yaml":  gittest.Text("name: a\n"),
		"services/b/manifests.yaml":    gittest.Text("kind: List\n"),
		"services/README.md":           gittest.Text("services\n"),
		"services/c/d/deeper/one.yaml": gittest.Text("x\n"),
	})
	s := openStore(t, gittest.NewInProcess(t, dir).URL)
	fetch(t, s)
	c := gitstore.NewHash(sha)

	got, err := s.ListDirs(c, "services")
	if err != nil {
		t.Fatal(err)
	}
	names, err := s.ListDir(c, "services")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for _, n := range names {
		if want[n], err = s.ListDir(c, path.Join("services", n)); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListDirs against ListDir of each directory (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]string{"README.md": nil, "a": {"chart", "pin.yaml"}, "b": {"manifests.yaml"}, "c": {"d"}}, got); diff != "" {
		t.Errorf("ListDirs (-want +got):\n%s", diff)
	}
	if got, err := s.ListDirs(c, "nope"); err != nil || len(got) != 0 {
		t.Errorf("ListDirs(missing) = %v, %v, want nothing", got, err)
	}
}
