package reconciler

import (
	"github.com/ferrycd/ferry/reconciler/notify"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// notify queues a notification for after the push succeeds.
func (p *pass) notify(slot *status.Slot, run *status.Run, event notify.Event, msg string, extra func(*notify.Notification)) {
	n := notify.About(event, slot, run, stages.Worst(run.Results), msg, p.in.now)
	if p.in.main != nil {
		n.Project = p.in.main.Name
	}
	if extra != nil {
		extra(&n)
	}
	p.notes = append(p.notes, n)
}
