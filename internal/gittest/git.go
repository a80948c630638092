package gittest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Git runs the git command line in dir with a clean, fixed environment and
// returns its standard output, trimmed. The test fails if git fails.
func Git(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	out, err := TryGit(dir, args...)
	if err != nil {
		tb.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// TryGit is [Git] for commands expected to fail: the error includes stderr.
func TryGit(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = Env()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), &gitError{err: err, stderr: stderr.String()}
	}
	return strings.TrimSpace(stdout.String()), nil
}

type gitError struct {
	err    error
	stderr string
}

func (e *gitError) Error() string { return e.err.Error() + ": " + strings.TrimSpace(e.stderr) }
func (e *gitError) Unwrap() error { return e.err }

// Env is the environment tests run git with: no user or system
// configuration, a fixed identity and the default branch "main".
func Env() []string {
	home := filepath.Join(os.TempDir(), "ferry-gittest-home")
	_ = os.MkdirAll(home, 0o700)
	env := []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Test Author", "GIT_AUTHOR_EMAIL=author@example.com",
		"GIT_COMMITTER_NAME=Test Committer", "GIT_COMMITTER_EMAIL=committer@example.com",
		"GIT_TERMINAL_PROMPT=0",
		"LANG=C", "LC_ALL=C",
	}
	return env
}

// InitBare creates a bare repository with default branch main in a new
// temporary directory and returns its path.
func InitBare(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "remote.git")
	Git(tb, "", "init", "--quiet", "--bare", "--initial-branch=main", dir)
	return dir
}
