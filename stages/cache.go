package stages

import (
	"fmt"
	"maps"
	"slices"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages/renderer"
)

// Cache loads the project at a commit once: a commit never changes, so
// neither does its project (or the reason it is invalid).
type Cache struct {
	// RenderLimits are given to each project loaded (Project.RenderLimits);
	// the zero value means renderer's defaults. Set them before the first
	// call to At.
	RenderLimits renderer.Options

	rd gitstore.Reader
	m  map[gitstore.Hash]cached
}

type cached struct {
	project *Project
	err     error
}

// maxCachedProjects bounds a Cache; it starts over when full.
const maxCachedProjects = 256

// NewCache returns a cache reading from rd.
func NewCache(rd gitstore.Reader) *Cache {
	return &Cache{rd: rd, m: map[gitstore.Hash]cached{}}
}

// At returns the project at a commit, or why it cannot be loaded.
func (c *Cache) At(commit gitstore.Hash) (*Project, error) {
	if e, ok := c.m[commit]; ok {
		return e.project, e.err
	}
	var e cached
	files, err := ReadProject(c.rd, commit)
	switch {
	case isDiagnostics(err):
		e.err = fmt.Errorf("the project at %s is invalid:\n%w", gitstore.ShortSHA(commit.String()), err)
	case err != nil:
		e.err = fmt.Errorf("read the project at %s: %w", gitstore.ShortSHA(commit.String()), err)
	default:
		if e.project, err = loadAt(files); err != nil {
			e.err = fmt.Errorf("the project at %s is invalid:\n%w", gitstore.ShortSHA(commit.String()), err)
		} else {
			e.project.RenderLimits = c.RenderLimits
		}
	}
	if len(c.m) >= maxCachedProjects {
		c.m = map[gitstore.Hash]cached{}
	}
	c.m[commit] = e
	return e.project, e.err
}

func loadAt(files Files) (*Project, error) {
	p, diags := LoadIsolated(files)
	if p == nil {
		return nil, diags.Errors()
	}
	return p, nil
}

// Candidate is a main commit and the services it is a candidate for; Err
// says why its project cannot be read (then it has no services), Invalid
// why services it changed cannot be delivered from it. Trailers are the
// commit's ferry trailers (see SequenceFor).
type Candidate struct {
	Commit   gitstore.Hash
	Trailers gitstore.FerryTrailers
	Project  *Project
	Services []string
	Err      error
	Invalid  map[string]error
}

// MaxCandidates bounds the main commits one call of [Cache.Candidates]
// reads.
const MaxCandidates = 1000

// Candidates lists main's first-parent commits after last (exclusive),
// oldest first, each with the services it is a candidate for. Without a
// last commit, tip alone is a candidate for every service.
func (c *Cache) Candidates(tip, last gitstore.Hash) ([]Candidate, error) {
	opts := gitstore.LogOptions{FirstParent: true, Limit: MaxCandidates, Until: last}
	if last.IsZero() {
		opts.Limit = 1
	}
	var out []Candidate
	err := c.rd.Log(tip, opts, func(commit *gitstore.Commit) error {
		cand := Candidate{Commit: commit.Hash, Trailers: commit.Trailers.Ferry()}
		cand.Project, cand.Err = c.At(commit.Hash)
		switch {
		case cand.Err != nil:
		case last.IsZero():
			cand.Services, cand.Invalid = slices.Sorted(maps.Keys(cand.Project.Services)), cand.Project.Invalid
		default:
			changed, err := c.rd.ChangedPaths(commit.FirstParent(), commit.Hash)
			if err != nil {
				return fmt.Errorf("compare %s with its parent: %w", gitstore.ShortSHA(commit.Hash.String()), err)
			}
			cand.Services = cand.Project.CandidateServices(changed, cand.Trailers)
			for _, f := range changed {
				if err, ok := cand.Project.Invalid[serviceOf(f)]; ok {
					if cand.Invalid == nil {
						cand.Invalid = map[string]error{}
					}
					cand.Invalid[serviceOf(f)] = err
				}
			}
		}
		out = append(out, cand)
		return nil //nolint:nilerr // an invalid commit is a candidate with its reason, not a failed walk
	})
	if err != nil {
		return nil, fmt.Errorf("read main's history: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}
