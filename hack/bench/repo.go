package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// git runs the git command line in dir with a clean environment.
func git(dir string, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return nil
}

func gitEnv() []string {
	return []string{
		"HOME=" + os.TempDir(),
		"PATH=" + os.Getenv("PATH"),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=bench", "GIT_AUTHOR_EMAIL=bench@example.com",
		"GIT_COMMITTER_NAME=bench", "GIT_COMMITTER_EMAIL=bench@example.com",
		"LANG=C", "LC_ALL=C",
	}
}

// makeRepo creates a bare repository whose main branch has files files (in
// 100 directories) and history commits: the first adds every file, each
// later one changes one of them.
func makeRepo(dir string, files, history int) error {
	return fastImport(dir, history, func(w *bufio.Writer, i int) {
		if i == 0 {
			for f := range files {
				writeInline(w, filePath(f), fmt.Sprintf("file %d\nversion 0\n", f))
			}
			return
		}
		f := i % files
		writeInline(w, filePath(f), fmt.Sprintf("file %d\nversion %d\n", f, i))
	})
}

// fastImport creates a bare repository at dir with history commits on
// main, written by git fast-import; content writes the changes of commit i.
func fastImport(dir string, history int, content func(w *bufio.Writer, i int)) error {
	if err := git("", "init", "--quiet", "--bare", "--initial-branch=main", dir); err != nil {
		return err
	}
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir, cmd.Env = dir, gitEnv()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	w := bufio.NewWriterSize(stdin, 1<<20)
	for i := range history {
		msg := fmt.Sprintf("commit %d", i)
		_, _ = fmt.Fprintf(w, "commit refs/heads/main\ncommitter bench <bench@example.com> %d +0000\ndata %d\n%s\n", 1600000000+i, len(msg), msg)
		content(w, i)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git fast-import: %w: %s", err, stderr.String())
	}
	return git(dir, "gc", "--quiet")
}

func writeInline(w *bufio.Writer, path, content string) {
	_, _ = fmt.Fprintf(w, "M 100644 inline %s\ndata %d\n%s\n", path, len(content), content)
}

func filePath(i int) string {
	return filepath.ToSlash(fmt.Sprintf("services/svc%03d/file%05d.yaml", i%100, i))
}
