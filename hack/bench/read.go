package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/ferrycd/ferry/gitstore"
)

func benchRead(ctx context.Context, c config) error {
	fmt.Printf("gitstore-read: read a file at the tip, %d times, with %d and with %d commits of history\n",
		c.readOps, c.readShort, c.readLong)
	short, err := readCost(ctx, c, c.readShort)
	if err != nil {
		return err
	}
	long, err := readCost(ctx, c, c.readLong)
	if err != nil {
		return err
	}
	for _, r := range []readResult{short, long} {
		fmt.Printf("  %7d commits: first read %9s   then %8s/read   (fetch of the mirror %s)\n",
			r.history, r.first.Round(time.Microsecond), r.perRead.Round(10*time.Nanosecond), r.fetch.Round(time.Millisecond))
	}
	fmt.Printf("  long/short history: first read %.2fx, steady read %.2fx (goal: about 1)\n",
		long.first.Seconds()/short.first.Seconds(), long.perRead.Seconds()/short.perRead.Seconds())
	return nil
}

type readResult struct {
	history               int
	fetch, first, perRead time.Duration
}

func readCost(ctx context.Context, c config, history int) (readResult, error) {
	remote := filepath.Join(c.workDir, fmt.Sprintf("read-%d.git", history))
	if err := makeRepo(remote, 100, history); err != nil {
		return readResult{}, err
	}
	s, err := gitstore.Open(gitstore.Options{URL: remote, Dir: filepath.Join(c.workDir, fmt.Sprintf("read-state-%d", history))})
	if err != nil {
		return readResult{}, err
	}
	defer func() { _ = s.Close() }()
	t0 := time.Now()
	res, err := s.Fetch(ctx)
	if err != nil {
		return readResult{}, err
	}
	r := readResult{history: history, fetch: time.Since(t0)}
	tip := res.Snapshot.Get(s.MainRef())
	p := filePath((history - 1) % 100)
	t1 := time.Now()
	if _, err := s.ReadFile(tip, p); err != nil {
		return r, err
	}
	r.first = time.Since(t1)
	t2 := time.Now()
	for i := range c.readOps {
		if _, err := s.ReadFile(tip, filePath(i%100)); err != nil {
			return r, err
		}
	}
	r.perRead = time.Since(t2) / time.Duration(c.readOps)
	return r, nil
}
