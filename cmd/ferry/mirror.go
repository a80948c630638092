package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ferrycd/ferry/gitstore"
)

// How long a read command waits for another ferry using the same mirror
// before it reads through a temporary one instead.
const (
	mirrorLockWait = 10 * time.Second
	mirrorLockPoll = 100 * time.Millisecond
)

// defaultURL fills --repo when it is not given: $FERRY_REPO, else the URL
// of the origin remote of the clone in the current directory. The remote
// is then fetched as any other: what its branches hold, not the clone's
// remote-tracking branches.
func (r *repoFlags) defaultURL(ctx context.Context) error {
	if r.opts.URL != "" {
		return nil
	}
	if u := os.Getenv("FERRY_REPO"); u != "" {
		r.opts.URL = u
		return nil
	}
	if u := originURL(ctx, "."); u != "" {
		r.opts.URL = u
		return nil
	}
	return usageError("--repo is required: give it, set FERRY_REPO, or run ferry in a clone with an origin remote")
}

// originURL returns the URL of the origin remote of the clone holding dir,
// a relative path made absolute; "" when there is none (or no git).
func originURL(ctx context.Context, dir string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "config", "--get", "remote.origin.url").Output()
	if err != nil {
		return ""
	}
	u := strings.TrimSpace(string(out))
	if u == "" || !isRelativePath(u) {
		return u
	}
	top, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return u
	}
	return filepath.Join(strings.TrimSpace(string(top)), u)
}

// isRelativePath tells a relative local path from a URL, an scp-like
// address (host:path) and an absolute path.
func isRelativePath(u string) bool {
	if filepath.IsAbs(u) || strings.Contains(u, "://") {
		return false
	}
	colon := strings.Index(u, ":")
	slash := strings.Index(u, "/")
	return colon < 0 || slash >= 0 && slash < colon
}

// openMirror opens the mirror of a read command: in --state-dir, else in
// the user's cache directory (ferry/mirrors/<hash of the URL without
// credentials and the stage prefix>), kept between runs so that the next
// fetch brings only what is new. While another ferry holds the mirror it
// waits up to mirrorLockWait; then a cached mirror is given up for a
// temporary one, and an explicit --state-dir is an error.
func (r *repoFlags) openMirror(ctx context.Context) (*gitstore.Store, func(), error) {
	opts, err := r.storeOptions()
	if err != nil {
		return nil, nil, err
	}
	explicit := opts.Dir != ""
	if !explicit {
		dir, err := mirrorDir(opts)
		if err != nil {
			return r.openStore()
		}
		opts.Dir = dir
	}
	s, err := openWaiting(ctx, opts)
	switch {
	case err == nil:
		return s, func() { _ = s.Close() }, nil
	case errors.Is(err, gitstore.ErrLocked) && !explicit:
		return r.openStore()
	case errors.Is(err, gitstore.ErrLocked):
		return nil, nil, fmt.Errorf("open repository: %w: another ferry (ferry run?) uses --state-dir %s; give another one", err, opts.Dir)
	}
	return nil, nil, fmt.Errorf("open repository: %w", err)
}

// openWaiting opens a store, retrying while another process holds its
// directory, for up to mirrorLockWait.
func openWaiting(ctx context.Context, opts gitstore.Options) (*gitstore.Store, error) {
	deadline := time.Now().Add(mirrorLockWait)
	for {
		s, err := gitstore.Open(opts)
		if !errors.Is(err, gitstore.ErrLocked) || time.Now().After(deadline) {
			return s, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(mirrorLockPoll):
		}
	}
}

// mirrorDir returns the cached mirror's directory for a repository.
func mirrorDir(opts gitstore.Options) (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	u := gitstore.Redact(opts.URL)
	if _, err := os.Stat(u); err == nil {
		if abs, err := filepath.Abs(u); err == nil {
			u = abs // the same local repository from any directory
		}
	}
	prefix := opts.StagePrefix
	if prefix == "" {
		prefix = gitstore.DefaultStagePrefix
	}
	sum := sha256.Sum256([]byte(u + "\x00" + prefix))
	return filepath.Join(base, "ferry", "mirrors", hex.EncodeToString(sum[:12])), nil
}
