package importer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
)

// WriteDir writes files into dir, which must not exist or be empty: an
// import never mixes with what a directory held.
func WriteDir(dir string, files stages.Files) error {
	entries, err := os.ReadDir(dir)
	switch {
	case err == nil && len(entries) > 0:
		return fmt.Errorf("write %s: the directory is not empty", dir)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("write %s: %w", dir, err)
	}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", full, err)
		}
		if err := os.WriteFile(full, files[p], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", full, err)
		}
	}
	return nil
}

// BranchOptions say where [CommitBranch] writes.
type BranchOptions struct {
	// Store holds the repository's URL (or path) and credentials; Dir,
	// when empty, is a temporary directory, and Branch is the base.
	Store gitstore.Options
	// Branch is the branch to create; it must not exist.
	Branch string
	// Message is the commit message.
	Message string
}

// ErrBranchExists reports a branch CommitBranch would overwrite.
var ErrBranchExists = errors.New("the branch already exists")

// CommitBranch writes files as one commit on a new branch whose parent is
// the tip of the base branch (Store.Branch, default main): ferry's paths
// of the base (shipyard.yaml, ferry.yaml, sli.yaml, services/) are replaced,
// everything else (holds/ included) is kept. The branch is created in one
// compare-and-swap push that fails when it exists already; nothing is
// forced. It returns the new commit.
func CommitBranch(ctx context.Context, opts BranchOptions, files stages.Files) (gitstore.Hash, error) {
	so := opts.Store
	if so.Dir == "" {
		dir, err := os.MkdirTemp("", "ferry-import-")
		if err != nil {
			return gitstore.ZeroHash, err
		}
		defer func() { _ = os.RemoveAll(dir) }()
		so.Dir = dir
	}
	// The new branch is not among the refs a store of the base branch
	// fetches: a store of the branch itself tells whether it exists.
	check := so
	check.Branch = opts.Branch
	st, _, err := readBranchTip(ctx, check)
	if !errors.Is(err, errNoBranch) {
		if err == nil {
			_ = st.Close()
			err = ErrBranchExists
		}
		return gitstore.ZeroHash, fmt.Errorf("create branch %s on %s: %w", opts.Branch, gitstore.Redact(so.URL), err)
	}
	s, err := gitstore.Open(so)
	if err != nil {
		return gitstore.ZeroHash, fmt.Errorf("open %s: %w", gitstore.Redact(so.URL), err)
	}
	defer func() { _ = s.Close() }()
	res, err := s.Fetch(ctx)
	if err != nil {
		return gitstore.ZeroHash, err
	}
	snap := res.Snapshot
	ref := gitstore.BranchRef(opts.Branch)
	if ref == s.MainRef() || !snap.Get(ref).IsZero() {
		return gitstore.ZeroHash, fmt.Errorf("create branch %s on %s: %w", opts.Branch, s.URL(), ErrBranchExists)
	}
	base := snap.Get(s.MainRef())
	if base.IsZero() {
		return gitstore.ZeroHash, fmt.Errorf("%s has no branch %s to start from", s.URL(), so.Branch)
	}
	edits, err := replaceEdits(s.Reader, base, files)
	if err != nil {
		return gitstore.ZeroHash, err
	}
	b := s.Begin(snap)
	b.SetRef(ref, base)
	h, err := b.Commit(ref, gitstore.CommitRequest{Edits: edits, Message: opts.Message})
	if err != nil {
		return gitstore.ZeroHash, err
	}
	if _, err := s.Push(ctx, b); err != nil {
		return gitstore.ZeroHash, fmt.Errorf("create branch %s: %w", opts.Branch, err)
	}
	return h, nil
}

// replaceEdits removes ferry's paths of the base commit and writes files.
func replaceEdits(rd gitstore.Reader, base gitstore.Hash, files stages.Files) ([]gitstore.Edit, error) {
	var edits []gitstore.Edit
	for _, p := range []string{stages.ShipyardFile, stages.ConfigFile, stages.ProjectSLI} {
		ok, err := rd.Exists(base, p)
		if err != nil {
			return nil, err
		}
		if _, replaced := files[p]; ok && !replaced {
			edits = append(edits, gitstore.Delete(p))
		}
	}
	for _, dir := range []string{stages.ServicesDir} {
		old, err := rd.ListFiles(base, dir)
		if err != nil {
			return nil, err
		}
		for p := range old {
			if _, replaced := files[dir+"/"+p]; !replaced {
				edits = append(edits, gitstore.Delete(dir+"/"+p))
			}
		}
	}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		edits = append(edits, gitstore.Put(p, files[p]))
	}
	return edits, nil
}
