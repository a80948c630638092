package stages_test

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/stages"
)

// sockshopRepo returns a store fetched from a repository with the
// sockshop project and extra files on main, and main's commit.
func sockshopRepo(tb testing.TB, extra gittest.Files) (*gitstore.Store, gitstore.Hash) {
	tb.Helper()
	dir := gittest.InitBare(tb)
	gittest.CommitTxtar(tb, dir, "main", filepath.Join("testdata", "sockshop.txtar"))
	sha := gittest.CommitFiles(tb, dir, "main", "add files", extra)
	srv := gittest.NewInProcess(tb, dir)
	s, err := gitstore.Open(gitstore.Options{URL: srv.URL, Dir: filepath.Join(tb.TempDir(), "state")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	if _, err := s.Fetch(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s, gitstore.NewHash(sha)
}

func TestCacheReadsOnlyTheProject(t *testing.T) {
	const big = 20 << 20
	s, main := sockshopRepo(t, gittest.Files{
		"assets/video.bin": gittest.Text(strings.Repeat("v", big)),
		"README.md":        gittest.Text("# shop\n"),
	})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p, err := stages.NewCache(s.Reader).At(main)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if p.Services["carts"] == nil {
		t.Fatalf("services = %v", p.Services)
	}
	// Reading the unrelated file would allocate its 20 MiB at least.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > big/2 {
		t.Errorf("loading the project allocated %d MiB", alloc>>20)
	}
}

func TestCacheRejectsOversizedFiles(t *testing.T) {
	s, main := sockshopRepo(t, gittest.Files{
		"services/carts/values.yaml":             gittest.Text("x: " + strings.Repeat("y", 5<<20) + "\n"),
		"services/carts/chart/templates/big.txt": gittest.Text(strings.Repeat("z", 4<<20+1)),
	})
	_, err := stages.NewCache(s.Reader).At(main)
	if err == nil {
		t.Fatal("the project loaded")
	}
	want := "the project at " + main.String()[:7] + " is invalid:\n" +
		"services/carts/chart/templates/big.txt:1:1: the file is 4194305 bytes; ferry reads files of at most 4194304 bytes (4 MiB)\n" +
		"services/carts/values.yaml:1:1: the file is 5242884 bytes; ferry reads files of at most 4194304 bytes (4 MiB)"
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
}

func TestLoadRejectsOversizedFiles(t *testing.T) {
	files := loadTxtar(t, "sockshop.txtar")
	files["services/carts/pin.yaml"] = []byte("image: " + strings.Repeat("x", stages.MaxFileSize) + "\n")
	files["docs/big.md"] = []byte(strings.Repeat("x", stages.MaxFileSize+1))
	_, diags := stages.Load(files)
	want := "services/carts/pin.yaml:1:1: the file is 4194312 bytes; ferry reads files of at most 4194304 bytes (4 MiB)"
	if got := diags.Errors().Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestProjectSizeIsBounded(t *testing.T) {
	sizes := map[string]int64{"shipyard.yaml": 1000}
	for i := range 20 {
		sizes["services/s/chart/f"+strings.Repeat("x", i)] = 4 << 20
	}
	want := "services:1:1: the project's files are 83887080 bytes; ferry reads at most 67108864 bytes (64 MiB) of shipyard.yaml, ferry.yaml, sli.yaml, holds/ and services/"
	if got := stages.CheckSizes(sizes).Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
