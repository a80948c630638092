package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ferrycd/ferry/gitstore"
)

func benchWrite(ctx context.Context, c config) error {
	remote := filepath.Join(c.workDir, "write-remote.git")
	t0 := time.Now()
	if err := makeRepo(remote, c.files, c.history); err != nil {
		return err
	}
	fmt.Printf("gitstore-write: %d single-file commits on a branch of a repository with %d files and %d commits (built in %s)\n",
		c.commits, c.files, c.history, time.Since(t0).Round(time.Millisecond))

	ferryBatch, err := ferryCommits(ctx, c, remote, "stage/batch", c.commits, false)
	if err != nil {
		return err
	}
	cliBatch, err := cliCommits(c, remote, "stage/cli-batch", c.commits, false)
	if err != nil {
		return err
	}
	report("commits, one push", ferryBatch, cliBatch)

	ferryEach, err := ferryCommits(ctx, c, remote, "stage/each", c.perCommitN, true)
	if err != nil {
		return err
	}
	cliEach, err := cliCommits(c, remote, "stage/cli-each", c.perCommitN, true)
	if err != nil {
		return err
	}
	report(fmt.Sprintf("%d commits, a push each", c.perCommitN), ferryEach, cliEach)
	if err := git(remote, "fsck", "--full", "--no-dangling"); err != nil {
		return fmt.Errorf("fsck after benchmark: %w", err)
	}
	return nil
}

func report(what string, ferry, baseline time.Duration) {
	fmt.Printf("  %-26s gitstore %10s   git CLI worktree %10s   ratio %6.1fx\n",
		what, ferry.Round(time.Millisecond), baseline.Round(time.Millisecond), baseline.Seconds()/ferry.Seconds())
}

// ferryCommits times n single-file commits on branch made with gitstore and
// pushed once at the end or after each commit. The initial fetch is not timed.
func ferryCommits(ctx context.Context, c config, remote, branch string, n int, pushEach bool) (time.Duration, error) {
	s, err := gitstore.Open(gitstore.Options{URL: remote, Dir: filepath.Join(c.workDir, "state-"+filepath.Base(branch)), PackWindow: c.window})
	if err != nil {
		return 0, err
	}
	defer func() { _ = s.Close() }()
	res, err := s.Fetch(ctx)
	if err != nil {
		return 0, err
	}
	var sent int64
	defer func() { fmt.Printf("  (gitstore sent %d KiB in total)\n", sent>>10) }()
	ref := gitstore.BranchRef(branch)
	snap := res.Snapshot
	start := time.Now()
	b := s.Begin(snap)
	b.SetRef(ref, snap.Get(s.MainRef()))
	for i := range n {
		_, err := b.Commit(ref, gitstore.CommitRequest{
			Message:  fmt.Sprintf("deploy %d", i),
			Trailers: gitstore.Trailers{{Key: gitstore.TrailerTask, Value: "deployment"}},
			Edits:    []gitstore.Edit{gitstore.Put(filePath(i%c.files), []byte(fmt.Sprintf("ferry %d\n", i)))},
		})
		if err != nil {
			return 0, err
		}
		if pushEach {
			res, err := s.Push(ctx, b)
			if err != nil {
				return 0, err
			}
			sent += res.Bytes
			if snap, err = s.Snapshot(); err != nil {
				return 0, err
			}
			b = s.Begin(snap)
		}
	}
	if !pushEach {
		res, err := s.Push(ctx, b)
		if err != nil {
			return 0, err
		}
		sent += res.Bytes
	}
	return time.Since(start), nil
}

// cliCommits does the same with a worktree and the git command line, as
// promotion tools built on git add/commit/push do. The clone is not timed.
func cliCommits(c config, remote, branch string, n int, pushEach bool) (time.Duration, error) {
	work := filepath.Join(c.workDir, "work-"+filepath.Base(branch))
	if err := git("", "clone", "--quiet", remote, work); err != nil {
		return 0, err
	}
	if err := git(work, "checkout", "--quiet", "-b", branch); err != nil {
		return 0, err
	}
	start := time.Now()
	for i := range n {
		p := filePath(i % c.files)
		if err := os.WriteFile(filepath.Join(work, p), []byte(fmt.Sprintf("cli %d\n", i)), 0o644); err != nil {
			return 0, err
		}
		if err := git(work, "add", p); err != nil {
			return 0, err
		}
		if err := git(work, "commit", "--quiet", "-m", fmt.Sprintf("deploy %d\n\nFerry-Task: deployment", i)); err != nil {
			return 0, err
		}
		if pushEach {
			if err := git(work, "push", "--quiet", "origin", "HEAD:refs/heads/"+branch); err != nil {
				return 0, err
			}
		}
	}
	if !pushEach {
		if err := git(work, "push", "--quiet", "origin", "HEAD:refs/heads/"+branch); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}
