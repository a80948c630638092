package reconciler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ferrycd/ferry/gitstore"
)

// Loop runs passes: at once, whenever Trigger is called, when a wait
// ends, and every poll interval (a poll costs one ref advertisement when
// nothing moved). Failed passes are retried with backoff.
type Loop struct {
	R    *Reconciler
	Poll time.Duration

	trigger chan struct{}
	ready   atomic.Bool
	lastErr atomic.Value // string
}

// NewLoop returns a loop over r polling every poll.
func NewLoop(r *Reconciler, poll time.Duration) *Loop {
	return &Loop{R: r, Poll: poll, trigger: make(chan struct{}, 1)}
}

// Trigger asks for a pass soon. It never blocks.
func (l *Loop) Trigger() {
	select {
	case l.trigger <- struct{}{}:
	default:
	}
}

// Ready reports whether the last pass reached the repository, and why not.
func (l *Loop) Ready() (bool, string) {
	msg, _ := l.lastErr.Load().(string)
	return l.ready.Load(), msg
}

// Run loops until ctx ends.
func (l *Loop) Run(ctx context.Context) error {
	log := l.R.opts.Log
	backoff := time.Duration(0)
	for {
		res, err := l.R.Pass(ctx)
		wait := l.Poll
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			l.lastErr.Store(err.Error())
			if gitstore.IsTransient(err) {
				l.ready.Store(false)
				backoff = min(max(2*backoff, time.Second), 5*time.Minute)
				wait = backoff
			}
			log.Error(err, "pass failed", "retryIn", wait.String())
		default:
			l.ready.Store(true)
			l.lastErr.Store("")
			backoff = 0
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

// Report writes a report to ferry/status before it is acknowledged, then
// asks for a pass. Nothing is kept outside Git.
func (r *Reconciler) Report(ctx context.Context, rep *Report) error {
	if err := rep.Validate(); err != nil {
		return err
	}
	rep.Received = r.opts.Now().UTC()
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.opts.Store
	for attempt := 0; attempt < maxPushAttempts; attempt++ {
		fr, err := s.Fetch(ctx)
		if err != nil {
			return fmt.Errorf("record report: %w", err)
		}
		b := s.Begin(fr.Snapshot)
		_, err = b.Commit(s.FerryRef("status"), gitstore.CommitRequest{
			Message: fmt.Sprintf("report: %s %s%s", rep.Kind, rep.Run, rep.Commit),
			Edits:   []gitstore.Edit{gitstore.Put(reportPath(rep, data), append(data, '\n'))},
		})
		if errors.Is(err, gitstore.ErrNoChange) {
			return nil // the same report is already recorded
		}
		if err != nil {
			return fmt.Errorf("record report: %w", err)
		}
		_, err = s.Push(ctx, b)
		if err == nil {
			return nil
		}
		if !gitstore.IsStale(err) {
			return fmt.Errorf("record report: %w", err)
		}
	}
	return fmt.Errorf("record report: the status branch kept moving")
}
