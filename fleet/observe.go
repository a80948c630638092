package fleet

import (
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/status"
)

// Observation is what the fleet knows of a project: whether its loop
// runs and delivers, and what its ferry/status branch says, as the mirror
// last fetched it.
type Observation struct {
	// Running is false for a suspended project.
	Running bool
	// Ready and Why are the loop's readiness (see [reconciler.Loop.Ready]).
	Ready bool
	Why   string
	// Main is the commit of the project's main branch the mirror holds.
	Main gitstore.Hash
	// Summary is status.json on ferry/status; nil before ferry wrote one,
	// and SummaryErr says why it could not be read when it could not.
	Summary    *status.Summary
	SummaryErr error
}

// Observe returns what the fleet knows of a project; false when it does
// not run it.
func (f *Fleet) Observe(key string) (Observation, bool) {
	f.mu.Lock()
	m := f.members[key]
	f.mu.Unlock()
	if m == nil {
		return Observation{}, false
	}
	o := Observation{Running: !m.project.Spec.Suspend}
	o.Ready, o.Why = m.loop.Ready()
	snap, err := m.store.Snapshot()
	if err != nil {
		o.SummaryErr = err
		return o, true
	}
	o.Main = snap.Get(m.store.MainRef())
	if tip := snap.Get(m.store.FerryRef("status")); !tip.IsZero() {
		data, err := m.store.ReadFile(tip, status.JSONFile)
		if err == nil {
			o.Summary, err = status.ParseSummary(data)
		}
		o.SummaryErr = err
	}
	return o, true
}
