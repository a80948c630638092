package stages

import (
	"fmt"

	"github.com/ferrycd/ferry/gitstore"
)

// Cache loads the project at a commit once: a commit never changes, so
// neither does its project (or the reason it is invalid).
type Cache struct {
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
		e.err = fmt.Errorf("the project at %s is invalid:\n%w", shortSHA(commit.String()), err)
	case err != nil:
		e.err = fmt.Errorf("read the project at %s: %w", shortSHA(commit.String()), err)
	default:
		e.project, err = loadAt(files)
		if err != nil {
			e.err = fmt.Errorf("the project at %s is invalid:\n%w", shortSHA(commit.String()), err)
		}
	}
	if len(c.m) >= maxCachedProjects {
		c.m = map[gitstore.Hash]cached{}
	}
	c.m[commit] = e
	return e.project, e.err
}

func loadAt(files Files) (*Project, error) {
	p, diags := Load(files)
	if p == nil {
		return nil, diags.Errors()
	}
	return p, nil
}

func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
