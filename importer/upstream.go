package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
)

// Layout is how a Keptn upstream keeps its stages.
type Layout string

// Layouts of a Keptn upstream.
const (
	// LayoutBranch is one branch per stage, named after the stage
	// (Keptn's resource-service and configuration-service up to 0.16).
	LayoutBranch Layout = "branch-per-stage"
	// LayoutDirectory is one directory per stage, .keptn-stages/<stage>/,
	// on the default branch (resource-service from Keptn 0.17 on).
	LayoutDirectory Layout = "directory-per-stage"
)

// Paths Keptn's resource-service uses.
const (
	// StagesDir holds the stages in the directory-per-stage layout.
	StagesDir = ".keptn-stages"
	// MetadataFile is Keptn's bookkeeping of a project, stage or service.
	MetadataFile = "metadata.yaml"
)

// DefaultBranches are the default branches tried when none is named, in
// order.
var DefaultBranches = []string{"main", "master"}

// Upstream is a Keptn project's Git upstream, read.
type Upstream struct {
	// Source names the upstream (a URL without credentials, or a path).
	Source string
	// Branch is the default branch read.
	Branch string
	// Layout is how the stages are kept.
	Layout Layout
	// Default holds the default branch's files.
	Default stages.Files
	// Stages holds, per stage, the files below the stage's root (the stage
	// branch's root, or .keptn-stages/<stage>/), by path relative to it.
	// A stage of the shipyard without a branch or directory is absent.
	Stages map[string]stages.Files
	// TooLarge lists the files over stages.MaxFileSize that were not read,
	// as upstream paths (see [Upstream.Where]).
	TooLarge []string
}

// Where names a file of a stage as the upstream has it: "dev:carts/slo.yaml"
// for a stage branch, ".keptn-stages/dev/carts/slo.yaml" for a directory;
// an empty stage names a file of the default branch.
func (u *Upstream) Where(stage, p string) string {
	switch {
	case stage == "":
		return p
	case u.Layout == LayoutDirectory:
		return path.Join(StagesDir, stage, p)
	}
	return stage + ":" + p
}

// projectMetadata is the project's metadata.yaml.
type projectMetadata struct {
	ProjectName               string `yaml:"projectName"`
	IsUsingDirectoryStructure bool   `yaml:"isUsingDirectoryStructure"`
}

func (u *Upstream) metadata() projectMetadata {
	var m projectMetadata
	_ = yaml.Unmarshal(u.Default[MetadataFile], &m) // bookkeeping: a bad file only loses the name
	return m
}

// shipyard parses the default branch's shipyard.
func (u *Upstream) shipyard() (*stages.Shipyard, error) {
	data, ok := u.Default[stages.ShipyardFile]
	if !ok {
		return nil, fmt.Errorf("%s: no %s on branch %s: not a Keptn project's upstream", u.Source, stages.ShipyardFile, u.Branch)
	}
	s, d := stages.ParseShipyard(stages.ShipyardFile, data)
	if s == nil {
		return nil, fmt.Errorf("parse %s of branch %s: %w", stages.ShipyardFile, u.Branch, d.Diagnostics().Errors())
	}
	return s, nil
}

// NewUpstream makes an Upstream of the default branch's files, for the
// directory-per-stage layout (detected from metadata.yaml or a
// .keptn-stages/ directory): the stages are taken from it. For the
// branch-per-stage layout, fill Stages from the stage branches.
func NewUpstream(source, branch string, files stages.Files) *Upstream {
	u := &Upstream{Source: source, Branch: branch, Layout: LayoutBranch, Default: files, Stages: map[string]stages.Files{}}
	dir := false
	for p := range files {
		if strings.HasPrefix(p, StagesDir+"/") {
			dir = true
			break
		}
	}
	if !dir && !u.metadata().IsUsingDirectoryStructure {
		return u
	}
	u.Layout = LayoutDirectory
	for p, data := range files {
		rest, ok := strings.CutPrefix(p, StagesDir+"/")
		if !ok {
			continue
		}
		stage, rel, ok := strings.Cut(rest, "/")
		if !ok {
			continue
		}
		if u.Stages[stage] == nil {
			u.Stages[stage] = stages.Files{}
		}
		u.Stages[stage][rel] = data
	}
	return u
}

// ReadOptions say where to read an upstream from.
type ReadOptions struct {
	// Store holds the URL (or path) and credentials; Branch, StagePrefix
	// and Dir are set by Read.
	Store gitstore.Options
	// Branch is the default branch; default: the first of DefaultBranches
	// that exists.
	Branch string
}

// Read fetches a Keptn upstream: its default branch and, in the
// branch-per-stage layout, the branch of every stage of the shipyard. The
// repository is fetched into a temporary mirror, removed before Read
// returns.
func Read(ctx context.Context, opts ReadOptions) (*Upstream, error) {
	dir, err := os.MkdirTemp("", "ferry-import-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	so := opts.Store
	so.Dir = dir
	source := gitstore.Redact(so.URL)
	candidates := DefaultBranches
	if opts.Branch != "" {
		candidates = []string{opts.Branch}
	}
	var (
		u        *Upstream
		tooLarge []string
	)
	for _, b := range candidates {
		files, large, err := readBranch(ctx, so, b)
		if errors.Is(err, errNoBranch) {
			continue
		}
		if err != nil {
			return nil, err
		}
		u, tooLarge = NewUpstream(source, b, files), large
		break
	}
	if u == nil {
		return nil, fmt.Errorf("%s has no branch %s", source, strings.Join(candidates, " or "))
	}
	u.TooLarge = tooLarge
	if u.Layout == LayoutDirectory {
		return u, nil
	}
	s, err := u.shipyard()
	if err != nil {
		return nil, err
	}
	for _, stage := range s.StageNames() {
		files, large, err := readBranch(ctx, so, stage)
		if errors.Is(err, errNoBranch) {
			continue // reported by Import
		}
		if err != nil {
			return nil, err
		}
		u.Stages[stage] = files
		for _, p := range large {
			u.TooLarge = append(u.TooLarge, stage+":"+p)
		}
	}
	return u, nil
}

var errNoBranch = errors.New("no such branch")

// readBranchTip opens the mirror in so.Dir and fetches so.Branch; it
// returns the open store and the branch's tip, or errNoBranch.
func readBranchTip(ctx context.Context, so gitstore.Options) (*gitstore.Store, gitstore.Hash, error) {
	s, err := gitstore.Open(so)
	if err != nil {
		return nil, gitstore.ZeroHash, fmt.Errorf("open %s: %w", gitstore.Redact(so.URL), err)
	}
	res, err := s.Fetch(ctx)
	if err != nil {
		_ = s.Close()
		return nil, gitstore.ZeroHash, err
	}
	commit := res.Snapshot.Get(s.MainRef())
	if commit.IsZero() {
		_ = s.Close()
		return nil, gitstore.ZeroHash, errNoBranch
	}
	return s, commit, nil
}

// readBranch fetches one branch into the mirror in so.Dir and reads its
// files; those over stages.MaxFileSize are listed, not read.
func readBranch(ctx context.Context, so gitstore.Options, branch string) (stages.Files, []string, error) {
	so.Branch = branch
	s, commit, err := readBranchTip(ctx, so)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = s.Close() }()
	sizes, err := s.ListFiles(commit, "")
	if err != nil {
		return nil, nil, fmt.Errorf("read branch %s: %w", branch, err)
	}
	files := stages.Files{}
	var large []string
	for p, n := range sizes {
		if n > stages.MaxFileSize {
			large = append(large, p)
			continue
		}
		data, err := s.ReadFile(commit, p)
		if err != nil {
			return nil, nil, fmt.Errorf("read branch %s: %w", branch, err)
		}
		files[p] = data
	}
	sort.Strings(large)
	return files, large, nil
}
