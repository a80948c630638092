package gittest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/tools/txtar"
)

// Files are the contents of a commit: path → content. A nil-valued entry
// in [CommitFiles] deletes the path.
type Files map[string]*string

// Text returns a pointer to s, for [Files] literals.
func Text(s string) *string { return &s }

// CommitFiles commits files on branch of the bare repository dir with the
// git command line (clone, write, add, commit, push), as a person or CI
// would, and returns the new commit's hash. msg may carry trailers.
func CommitFiles(tb testing.TB, dir, branch, msg string, files Files) string {
	tb.Helper()
	return commitFiles(tb, dir, branch, msg, files, nil)
}

// commitFiles is [CommitFiles]; a non-nil signing is the git
// configuration (-c name=value pairs) of a signed commit.
func commitFiles(tb testing.TB, dir, branch, msg string, files Files, signing []string) string {
	tb.Helper()
	work := filepath.Join(tb.TempDir(), "work")
	Git(tb, "", "clone", "--quiet", dir, work)
	if Git(tb, work, "ls-remote", "--heads", "origin", branch) != "" {
		Git(tb, work, "checkout", "--quiet", branch)
	} else {
		Git(tb, work, "checkout", "--quiet", "--orphan", branch)
		Git(tb, work, "rm", "-rf", "--quiet", "--ignore-unmatch", ".")
	}
	for p, content := range files {
		full := filepath.Join(work, filepath.FromSlash(p))
		if content == nil {
			Git(tb, work, "rm", "-r", "--quiet", "--ignore-unmatch", p)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(*content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	Git(tb, work, "add", "-A")
	args := []string{"commit", "--quiet", "--allow-empty", "-m", msg}
	if signing != nil {
		args = append(slices.Concat(signing, args), "-S")
	}
	Git(tb, work, args...)
	Git(tb, work, "push", "--quiet", "origin", "HEAD:refs/heads/"+branch)
	return Git(tb, work, "rev-parse", "HEAD")
}

// CommitTxtar commits the files of a txtar archive on branch of dir; the
// archive's comment is the commit message.
func CommitTxtar(tb testing.TB, dir, branch, archive string) string {
	tb.Helper()
	a, err := txtar.ParseFile(archive)
	if err != nil {
		tb.Fatalf("parse %s: %v", archive, err)
	}
	files := Files{}
	for _, f := range a.Files {
		files[f.Name] = Text(string(f.Data))
	}
	msg := string(a.Comment)
	if msg == "" {
		msg = "seed from " + filepath.Base(archive)
	}
	return CommitFiles(tb, dir, branch, msg, files)
}
