package reconciler

import (
	"context"
	"fmt"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// recoverLostStatus rebuilds what a deleted or rewound ferry/status lost,
// from the stage branches: what each of them runs is what it holds. A run
// counter at or below the newest run id on a stage branch means the state
// is older than the branches.
func (p *pass) recoverLostStatus(context.Context) error {
	if p.in.main == nil {
		return nil
	}
	newest := 0
	for _, stage := range p.in.main.Shipyard.StageNames() {
		err := p.store.Log(p.in.snap.Get(p.store.StageRef(stage)), gitstore.LogOptions{Limit: 20}, func(c *gitstore.Commit) error {
			n, ok := status.RunNumber(c.Trailers.Ferry().Run)
			if !ok {
				return nil // a person's merge, a remediation action
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
	held := map[string]*status.Deployment{}
	for _, stage := range p.in.main.Shipyard.StageNames() {
		tip := p.in.snap.Get(p.store.StageRef(stage))
		for svc := range p.in.main.Services {
			if rel, err := stages.ReadRelease(p.store.Reader, tip, svc); err == nil && rel != nil {
				held[status.SlotKey(stage, svc)] = &status.Deployment{Candidate: rel.Candidate, Pin: rel.Pin, Run: rel.Run, StageCommit: tip.String(), Since: p.in.now}
			}
		}
	}
	p.rebuilt = true
	for _, r := range p.st.Rebuild(newest, held, p.in.now) {
		p.transitions++
		p.progress(r.Candidate, r.ID+" ended: "+r.Message)
	}
	p.record(nil, nil, "ferry/status is older than the stage branches (run r%d): rebuilt what they run", newest)
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
