package reconciler

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// recoverLostStatus rebuilds what a deleted or rewound ferry/status lost,
// from the stage branches: what each of them runs is what it holds. The
// stage branches' newest run ids tell: a run counter at or below one of
// them means the state is older than the branches.
func (p *pass) recoverLostStatus(context.Context) error {
	if p.in.main == nil {
		return nil
	}
	newest := 0
	for _, stage := range p.in.main.Shipyard.StageNames() {
		err := p.store.Log(p.in.snap.Get(p.store.StageRef(stage)), gitstore.LogOptions{Limit: 20}, func(c *gitstore.Commit) error {
			n, err := strconv.Atoi(strings.TrimPrefix(c.Trailers.Ferry().Run, "r"))
			if err != nil {
				return nil // not a run's commit (a person's merge, a remediation action)
			}
			newest = max(newest, n)
			return gitstore.ErrStopWalk // the newest run of this branch
		})
		if err != nil {
			return fmt.Errorf("read the history of %s: %w", stage, err)
		}
	}
	if newest < p.st.State.NextRun {
		return nil
	}
	p.rebuilt, p.st.State.NextRun = true, newest+1
	p.dropStaleRuns(newest)
	for _, stage := range p.in.main.Shipyard.StageNames() {
		tip := p.in.snap.Get(p.store.StageRef(stage))
		for svc := range p.in.main.Services {
			rel, err := stages.ReadRelease(p.store.Reader, tip, svc)
			if err != nil || rel == nil {
				continue // nothing (readable) deployed there: nothing to restore
			}
			if slot := p.st.Slot(stage, svc); slot != nil && (slot.Deployed == nil || slot.Deployed.Candidate != rel.Candidate) {
				slot.Deployed = &status.Deployment{Candidate: rel.Candidate, Pin: rel.Pin, Run: rel.Run, StageCommit: tip.String(), Since: p.in.now}
				slot.Released = &status.Release{Candidate: rel.Candidate, Pin: rel.Pin, StageCommit: tip.String(), At: p.in.now}
			}
		}
	}
	p.record(nil, nil, "ferry/status is older than the stage branches (run r%d): rebuilt what they run; runs go on from r%d", newest, newest+1)
	return nil
}

// deployedBefore reports whether the stage branch already carries a
// candidate of a service — a deployment commit for it, or (main's tip taken
// again after ferry/status was lost) a release with the same pins.
func (p *pass) deployedBefore(stage, svc, candidate, pin string) bool {
	tip := p.in.snap.Get(p.store.StageRef(stage))
	if rel, err := stages.ReadRelease(p.store.Reader, tip, svc); err == nil && rel != nil && (rel.Candidate == candidate || rel.Pin == pin) {
		return true
	}
	_, err := p.store.Find(tip, gitstore.LogOptions{Limit: maxHistorySearch}, func(c *gitstore.Commit) bool {
		t := c.Trailers.Ferry()
		return t.Service == svc && t.Candidate == candidate && t.Task == stages.TaskDeployment
	})
	return err == nil
}

// dropStaleRuns ends the runs of a rewound state that the stage branches
// went on without (run ids up to newest): they would deploy or approve
// what is already past.
func (p *pass) dropStaleRuns(newest int) {
	stale := func(r *status.Run) bool {
		n, err := strconv.Atoi(strings.TrimPrefix(r.ID, "r"))
		return err == nil && n <= newest
	}
	for _, slot := range p.st.Slots {
		slot.Queue = slices.DeleteFunc(slot.Queue, stale)
		if slot.Current != nil && stale(slot.Current) {
			p.finish(slot, slot.Current, nil, status.ResultSuperseded, "ferry/status was rewound past this run; the stage branches went on")
		}
	}
}
