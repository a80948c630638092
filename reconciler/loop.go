package reconciler

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ferrycd/ferry/event"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// Loop runs passes: at once, whenever Trigger is called, when a wait
// ends, and every poll interval (a poll costs one ref advertisement when
// nothing moved). Failed passes are retried with backoff.
type Loop struct {
	R    *Reconciler
	Poll time.Duration
	// Stuck is how long a pass may run before Ready says so; default
	// StuckPass.
	Stuck time.Duration

	trigger chan struct{}

	mu      sync.Mutex
	ready   bool
	why     string
	started bool
	running time.Time // when the pass under way started
}

// NoPassYet is why a loop is not ready before its first pass ends.
const NoPassYet = "no pass has finished yet"

// StuckPass is how long a pass may run before /readyz says so.
const StuckPass = 5 * time.Minute

// NewLoop returns a loop over r polling every poll.
func NewLoop(r *Reconciler, poll time.Duration) *Loop {
	return &Loop{R: r, Poll: poll, trigger: make(chan struct{}, 1)}
}

// Trigger asks for a pass soon. It never blocks.
func (l *Loop) Trigger() {
	l.R.woken.Store(true)
	select {
	case l.trigger <- struct{}{}:
	default:
	}
}

// Ready reports whether the last pass delivered, and why not: the
// repository could not be reached, the credentials were refused, or the
// project is stalled.
func (l *Loop) Ready() (bool, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d := time.Since(l.running); !l.running.IsZero() && d > cmp.Or(l.Stuck, StuckPass) {
		return false, fmt.Sprintf("a pass has been running for %s", d.Round(time.Second))
	}
	if !l.started {
		return false, NoPassYet
	}
	return l.ready, l.why
}

func (l *Loop) passing(since time.Time) { l.mu.Lock(); l.running = since; l.mu.Unlock() }

func (l *Loop) setReady(ok bool, why string) {
	l.mu.Lock()
	l.ready, l.why, l.started = ok, why, true
	l.mu.Unlock()
}

// Run loops until ctx ends.
func (l *Loop) Run(ctx context.Context) error {
	log := l.R.logger(ctx)
	backoff := time.Duration(0)
	for {
		l.passing(time.Now())
		res, err := l.R.Pass(ctx)
		l.passing(time.Time{})
		wait := l.Poll
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			if stall := status.AsStall(err); stall != nil {
				l.setReady(false, fmt.Sprintf("%s: %v", stall.Reason, err))
			} else if gitstore.IsTransient(err) || gitstore.IsCorrupt(err) {
				// A mirror still corrupt after a rebuild backs off too.
				l.setReady(false, err.Error())
				backoff = min(max(2*backoff, time.Second), 5*time.Minute)
				wait = backoff
			}
			log.Error(err, msgPassFailed, keyRetryIn, wait.String())
		default:
			backoff = 0
			if res.Stall != nil {
				l.setReady(false, fmt.Sprintf("%s: %v", res.Stall.Reason, res.Stall))
			} else {
				l.setReady(true, "")
			}
			if res.Pushed {
				wait = 0 // the next step may follow at once
			} else if !res.Next.IsZero() {
				if d := res.Next.Sub(l.R.opts.Now()); d < wait {
					wait = max(d, 0)
				}
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-l.trigger:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// StagePrefix is the branch prefix of the stage branches.
func (l *Loop) StagePrefix() string { return l.R.opts.Store.Options().StagePrefix }

// AlertLabels reads the alert label names from ferry.yaml on main, as the
// mirror last saw it; ferry's defaults when main cannot be read.
func (l *Loop) AlertLabels() stages.AlertConfig {
	snap, err := l.R.opts.Store.Snapshot()
	l.R.mu.Lock()
	defer l.R.mu.Unlock()
	if proj, perr := l.R.projects.At(snap.Get(l.R.opts.Store.MainRef())); err == nil && perr == nil {
		return proj.Config.Alerts
	}
	return stages.AlertConfig{ServiceLabel: "service", StageLabel: "stage", ProblemLabel: "alertname"}
}

// Wait returns the task a run waits an answer on (see [event.Find]).
func (l *Loop) Wait(run string) (*event.Wait, error) {
	l.R.mu.Lock()
	defer l.R.mu.Unlock()
	return event.Find(l.R.opts.Store, l.R.projects.At, run)
}

// Record writes a report to ferry/status before it is acknowledged. Nothing
// is kept outside Git.
func (l *Loop) Record(ctx context.Context, rep *status.Report) error {
	return l.RecordAll(ctx, []*status.Report{rep})
}

// RecordAll writes the reports of one request to ferry/status in one
// commit before they are acknowledged (see [status.RecordAll]).
func (l *Loop) RecordAll(ctx context.Context, reps []*status.Report) error {
	return status.RecordAll(ctx, l.R.opts.Store, reps, l.R.opts.Now())
}
