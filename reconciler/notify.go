package reconciler

import (
	"github.com/ferrycd/ferry/reconciler/notify"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// notify queues a notification for after the push succeeds.
func (p *pass) notify(slot *status.Slot, run *status.Run, event notify.Event, msg string, extra func(*notify.Notification)) {
	n := notify.Notification{
		Event: event, Stage: slot.Stage, Service: slot.Service, Candidate: run.Candidate, Run: run.ID,
		Version: run.Pin, Message: msg, Commit: run.StageCommit, Time: p.in.now,
	}
	if p.in.main != nil {
		n.Project = p.in.main.Name
	}
	if run.Score != nil {
		score := *run.Score
		n.Score = &score
		n.Verdict = stages.Worst(run.Results)
	}
	if extra != nil {
		extra(&n)
	}
	p.notes = append(p.notes, n)
}
