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

// resolve reads the inputs of a pass over a snapshot.
func (r *Reconciler) resolve(snap gitstore.Snapshot) (inputs, error) {
	s := r.opts.Store
	in := inputs{snap: snap, now: r.opts.Now().UTC(), mainTip: snap.Get(s.MainRef())}
	if !in.mainTip.IsZero() {
		in.main, in.mainErr = r.projects.At(in.mainTip)
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
