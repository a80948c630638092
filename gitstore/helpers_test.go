package gitstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

func openStore(tb testing.TB, url string, mod ...func(*gitstore.Options)) *gitstore.Store {
	tb.Helper()
	opts := gitstore.Options{URL: url, Dir: filepath.Join(tb.TempDir(), "state")}
	for _, m := range mod {
		m(&opts)
	}
	s, err := gitstore.Open(opts)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func fetch(tb testing.TB, s *gitstore.Store) gitstore.FetchResult {
	tb.Helper()
	res, err := s.Fetch(context.Background())
	if err != nil {
		tb.Fatalf("fetch: %v", err)
	}
	return res
}

// seeded returns a bare repository with testdata/project.txtar on main,
// served in process.
func seeded(tb testing.TB) (*gittest.InProcess, string) {
	tb.Helper()
	dir := gittest.InitBare(tb)
	sha := gittest.CommitTxtar(tb, dir, "main", "testdata/project.txtar")
	return gittest.NewInProcess(tb, dir), sha
}
