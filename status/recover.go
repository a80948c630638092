package status

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// RunNumber returns the number of a run id: 12 for "r12".
func RunNumber(id string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "r"))
	return n, err == nil && strings.HasPrefix(id, "r")
}

// Rebuild brings a state that is older than the stage branches (deleted
// or rewound) up to them: run ids go on after newest, the newest run id
// the branches carry; each slot's deployed and released release is what
// its stage branch holds (held, by SlotKey); and the runs the branches went
// on without (ids up to newest) end as superseded, so that they neither
// deploy nor approve anything. It returns the runs it ended.
func (b *Branch) Rebuild(newest int, held map[string]*Deployment, now time.Time) []*Run {
	b.State.NextRun = newest + 1
	for key, d := range held {
		stage, svc, _ := strings.Cut(key, "/")
		if slot := b.Slot(stage, svc); slot != nil && (slot.Deployed == nil || slot.Deployed.Candidate != d.Candidate) {
			slot.Deployed = d
			slot.Released = &Release{Candidate: d.Candidate, Pin: d.Pin, StageCommit: d.StageCommit, At: d.Since}
		}
	}
	stale := func(r *Run) bool {
		n, ok := RunNumber(r.ID)
		return ok && n <= newest
	}
	var ended []*Run
	for _, k := range b.Keys() {
		slot := b.Slots[k]
		slot.Queue = slices.DeleteFunc(slot.Queue, stale)
		if r := slot.Current; r != nil && stale(r) {
			r.Result, r.Phase, r.Ended = ResultSuperseded, PhaseSucceeded, now
			r.Message = "ferry/status was older than the stage branches; they went on without this run"
			r.Waiting, r.Until, r.TaskName = "", time.Time{}, ""
			slot.Last, slot.Current = r, nil
			ended = append(ended, r)
		}
	}
	return ended
}
