package corpus

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Dir returns the corpus directory, found from the test's working
// directory upwards (next to go.mod).
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "keptn-examples")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// Files returns the contents of the corpus files whose slash-separated path
// (relative to the corpus) contains any of the given words, by path.
func Files(tb testing.TB, words ...string) map[string][]byte {
	tb.Helper()
	root := Dir(tb)
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		for _, w := range words {
			if strings.Contains(strings.ToLower(rel), w) {
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				out[rel] = data
				break
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatalf("no corpus files match %v", words)
	}
	return out
}
