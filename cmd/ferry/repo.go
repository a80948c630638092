package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/signing"
	"github.com/ferrycd/ferry/stages"
)

// repoFlags read a project from a Git repository instead of a directory.
type repoFlags struct {
	opts gitstore.Options
	ref  string
	// signingKeyFile signs the commits the command writes (bindSigning).
	signingKeyFile string
}

// repoHelp is the help of --repo for the commands that read only from a
// repository (status, problems, history, get).
const repoHelp = "the Git repository (URL or path); default $FERRY_REPO, else the origin remote of the clone in the current directory"

// bind binds the flags to gitstore.Options. Secrets come from files or
// from the environment (FERRY_GIT_TOKEN), never from the command line.
func (r *repoFlags) bind(fs *pflag.FlagSet) {
	r.bindWith(fs, "read the project from this Git repository (URL or path) instead of a directory")
}

// bindReport binds the flags of a command that reads from a repository
// alone: --repo has a default (see repoHelp).
func (r *repoFlags) bindReport(fs *pflag.FlagSet) {
	r.bindWith(fs, repoHelp)
}

func (r *repoFlags) bindWith(fs *pflag.FlagSet, repoUsage string) {
	fs.StringVar(&r.opts.URL, "repo", "", repoUsage)
	fs.StringVar(&r.ref, "ref", gitstore.DefaultBranch, "branch to read with --repo")
	fs.StringVar(&r.opts.Dir, "state-dir", "", "directory for the repository mirror (default: status, problems, history, get and reads of --repo keep one in the user's cache directory; other commands use a temporary one)")
	fs.StringVar(&r.opts.StagePrefix, "stage-prefix", gitstore.DefaultStagePrefix, "branch prefix of the stage branches (ferry.yaml's stageBranchPrefix must match)")
	fs.StringVar(&r.opts.Auth.PasswordFile, "git-token-file", "", "file holding an HTTPS token or password")
	fs.StringVar(&r.opts.Auth.Username, "git-username", "", "HTTPS user name (default \"git\")")
	fs.StringVar(&r.opts.Auth.CAFile, "git-ca-file", "", "PEM bundle of extra certificate authorities for HTTPS")
	fs.StringVar(&r.opts.Auth.SSHKeyFile, "git-ssh-key", "", "SSH private key file")
	fs.StringVar(&r.opts.Auth.KnownHostsFile, "git-known-hosts", "", "known_hosts file for SSH (required with --git-ssh-key)")
}

// signingKeyHelp is the help of --signing-key-file.
const signingKeyHelp = "sign every commit ferry writes with this key: an OpenSSH private key (Git's SSH signatures) or an armored OpenPGP private key, without a passphrase (docs/signing.md)"

// bindSigning binds --signing-key-file, for the commands that write
// commits.
func (r *repoFlags) bindSigning(fs *pflag.FlagSet) {
	fs.StringVar(&r.signingKeyFile, "signing-key-file", "", signingKeyHelp)
}

// read fetches the repository into the cached mirror and returns the files
// at the tip of --ref.
func (r *repoFlags) read(ctx context.Context) (stages.Files, error) {
	s, snap, cleanup, err := r.fetchMirror(ctx)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	commit := snap.Get(s.MainRef())
	if commit.IsZero() {
		return nil, fmt.Errorf("%s has no branch %q", s.URL(), r.ref)
	}
	return stages.ReadProject(s.Reader, commit)
}

// fetch opens a mirror in --state-dir or a temporary directory and
// fetches; cleanup closes it.
func (r *repoFlags) fetch(ctx context.Context) (*gitstore.Store, gitstore.Snapshot, func(), error) {
	s, cleanup, err := r.openStore()
	if err != nil {
		return nil, gitstore.Snapshot{}, nil, err
	}
	return fetchStore(ctx, s, cleanup)
}

// fetchMirror opens the cached mirror (see openMirror) and fetches;
// cleanup closes it.
func (r *repoFlags) fetchMirror(ctx context.Context) (*gitstore.Store, gitstore.Snapshot, func(), error) {
	s, cleanup, err := r.openMirror(ctx)
	if err != nil {
		return nil, gitstore.Snapshot{}, nil, err
	}
	return fetchStore(ctx, s, cleanup)
}

func fetchStore(ctx context.Context, s *gitstore.Store, cleanup func()) (*gitstore.Store, gitstore.Snapshot, func(), error) {
	res, err := s.Fetch(ctx)
	if err != nil {
		cleanup()
		return nil, gitstore.Snapshot{}, nil, err
	}
	return s, res.Snapshot, cleanup, nil
}

// storeOptions returns the options of gitstore.Open, the token taken from
// FERRY_GIT_TOKEN unless a file is given, and the signing key read.
func (r *repoFlags) storeOptions() (gitstore.Options, error) {
	opts := r.opts
	opts.Branch = r.ref
	if os.Getenv("FERRY_GIT_TOKEN") != "" && opts.Auth.PasswordFile == "" {
		opts.Auth.PasswordEnv = "FERRY_GIT_TOKEN"
	}
	if r.signingKeyFile != "" {
		key, err := signing.Load(r.signingKeyFile)
		if err != nil {
			return opts, usageError("--signing-key-file: %v", err)
		}
		opts.Signer = key
	}
	return opts, nil
}

// openStore opens the mirror, in a temporary directory unless --state-dir
// is set; cleanup removes it.
func (r *repoFlags) openStore() (*gitstore.Store, func(), error) {
	opts, err := r.storeOptions()
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() {}
	if opts.Dir == "" {
		dir, err := os.MkdirTemp("", "ferry-")
		if err != nil {
			return nil, nil, err
		}
		opts.Dir = dir
		cleanup = func() { _ = os.RemoveAll(dir) }
	}
	s, err := gitstore.Open(opts)
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("open repository: %w", err)
	}
	return s, func() { _ = s.Close(); cleanup() }, nil
}

// loadProject reads the project from --repo or, without it, from dir and
// loads it; when it is invalid, its errors go to stderr.
func (r *repoFlags) loadProject(ctx context.Context, dir string, stderr io.Writer) (*stages.Project, error) {
	var files stages.Files
	var err error
	if r.opts.URL != "" {
		files, err = r.read(ctx)
	} else {
		files, err = readDir(dir)
	}
	if err != nil {
		return nil, err
	}
	p, diags := stages.Load(files)
	if p == nil {
		_ = printValidation(stderr, outputHuman, validation{Diagnostics: diags.Errors()})
		return nil, fmt.Errorf("the project is invalid")
	}
	return p, nil
}

// fetchReport fills in --repo's default for a command that reports from
// the repository alone (status, history, problems, get) and fetches it
// into the cached mirror.
func (r *repoFlags) fetchReport(ctx context.Context) (*gitstore.Store, gitstore.Snapshot, func(), error) {
	if err := r.defaultURL(ctx); err != nil {
		return nil, gitstore.Snapshot{}, nil, err
	}
	if err := localRepoExists(r.opts.URL); err != nil {
		return nil, gitstore.Snapshot{}, nil, &exitError{code: exitFailed, err: err}
	}
	s, snap, cleanup, err := r.fetchMirror(ctx)
	if err != nil {
		return nil, gitstore.Snapshot{}, nil, &exitError{code: exitFailed, err: err}
	}
	return s, snap, cleanup, nil
}

// localRepoExists says so when --repo is a local path with nothing there,
// which the Git transport would report as a refused permission.
func localRepoExists(url string) error {
	path, isFile := strings.CutPrefix(url, "file://")
	if !isFile && (strings.Contains(url, "://") || strings.Contains(url, ":") && !filepath.IsAbs(url)) {
		return nil // a remote URL, or scp-like user@host:path
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no Git repository at %s: %w", path, err)
	}
	return nil
}
