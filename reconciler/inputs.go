package reconciler

import (
	"errors"
	"fmt"
	"time"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// inputs are what a pass reads, resolved once when it starts and never
// read again halfway through.
type inputs struct {
	snap    gitstore.Snapshot
	now     time.Time
	mainTip gitstore.Hash
	// main is the project at main's tip; nil with mainErr when it cannot
	// be read.
	main    *stages.Project
	mainErr error
	// status is ferry/status as read, the pass's to change.
	status *status.Branch
}

// projectCache parses the project at a commit once.
type projectCache struct {
	rd gitstore.Reader
	m  map[gitstore.Hash]*loadedProject
}

type loadedProject struct {
	project *stages.Project
	err     error
}

// maxCachedProjects bounds the cache; it starts over when full.
const maxCachedProjects = 256

func newProjectCache(rd gitstore.Reader) *projectCache {
	return &projectCache{rd: rd, m: map[gitstore.Hash]*loadedProject{}}
}

// at returns the project at a main commit.
func (c *projectCache) at(commit gitstore.Hash) (*stages.Project, error) {
	if lp, ok := c.m[commit]; ok {
		return lp.project, lp.err
	}
	lp := &loadedProject{}
	files, err := c.rd.ReadDir(commit, "")
	if err != nil {
		lp.err = fmt.Errorf("read the project at %s: %w", short(commit.String()), err)
	} else {
		p, diags := stages.Load(stages.Files(files))
		lp.project = p
		if p == nil {
			lp.err = fmt.Errorf("the project at %s is invalid:\n%s", short(commit.String()), diags.Errors().Error())
		}
	}
	if len(c.m) >= maxCachedProjects {
		c.m = map[gitstore.Hash]*loadedProject{}
	}
	c.m[commit] = lp
	return lp.project, lp.err
}

// resolve reads the inputs of a pass over a snapshot.
func (r *Reconciler) resolve(snap gitstore.Snapshot) (inputs, error) {
	s := r.opts.Store
	in := inputs{snap: snap, now: r.opts.Now().UTC(), mainTip: snap.Get(s.MainRef())}
	if !in.mainTip.IsZero() {
		in.main, in.mainErr = r.projects.at(in.mainTip)
	}
	st, err := status.Read(s.Reader, snap.Get(s.FerryRef("status")), &r.slots)
	if err != nil {
		var c *status.Corruption
		if errors.As(err, &c) {
			return in, &status.Stall{Reason: status.ReasonCorruptStatus, Err: err}
		}
		return in, fmt.Errorf("read %s: %w", s.FerryRef("status"), err)
	}
	in.status = st
	return in, nil
}
