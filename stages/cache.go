package stages

import (
	"fmt"

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
	files, err := c.rd.ReadDir(commit, "")
	if err != nil {
		e.err = fmt.Errorf("read the project at %s: %w", shortSHA(commit.String()), err)
	} else if e.project, err = loadAt(files); err != nil {
		e.err = fmt.Errorf("the project at %s is invalid:\n%w", shortSHA(commit.String()), err)
	} else {
		e.project.RenderLimits = c.RenderLimits
	}
	if len(c.m) >= maxCachedProjects {
		c.m = map[gitstore.Hash]cached{}
	}
	c.m[commit] = e
	return e.project, e.err
}

func loadAt(files map[string][]byte) (*Project, error) {
	p, diags := Load(Files(files))
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
