package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/status"
)

// TestFollowerDecides reads hand-made ferry/status states of a candidate
// and checks what --wait production decides, and that each progress line
// comes once.
func TestFollowerDecides(t *testing.T) {
	const c, later = "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1", "d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2"
	score := 42.0
	tests := []struct {
		name  string
		slots []*status.Slot
		want  *pinOutcome // nil: not decided
	}{
		{
			name:  "not queued yet",
			slots: nil,
		},
		{
			name: "in flight in staging",
			slots: []*status.Slot{{Stage: "staging", Service: "carts", Current: &status.Run{
				ID: "r2", Candidate: c, Sequence: "delivery", Phase: status.PhaseWaiting, TaskName: "test", Waiting: status.WaitTest,
			}}},
		},
		{
			name: "released in staging only",
			slots: []*status.Slot{{
				Stage: "staging", Service: "carts", Released: &status.Release{Candidate: c},
				Last: &status.Run{ID: "r2", Candidate: c, Sequence: "delivery", Result: "pass"},
			}},
		},
		{
			name: "released in production, a later one since",
			slots: []*status.Slot{{
				Stage: "production", Service: "carts",
				Released: &status.Release{Candidate: later}, Previous: &status.Release{Candidate: c, Score: &score},
			}},
			want: &pinOutcome{Stage: "production", Result: pinReleased, In: "production", Score: &score},
		},
		{
			name: "failed in production, the rollback running",
			slots: []*status.Slot{{
				Stage: "production", Service: "carts",
				Last:    &status.Run{ID: "r3", Candidate: c, Sequence: "delivery", Result: "fail"},
				Current: &status.Run{ID: "r4", Candidate: c, Sequence: "rollback", Phase: status.PhaseRunning, TaskName: "rollback"},
			}},
		},
		{
			name: "rolled back in production",
			slots: []*status.Slot{{
				Stage: "production", Service: "carts",
				Last: &status.Run{ID: "r4", Candidate: c, Sequence: "rollback", Result: "pass", RolledBack: "rolled back to image=carts:1"},
				Gate: &status.Gate{Candidate: c, Run: "r3", Result: "fail"},
			}},
			want: &pinOutcome{Stage: "production", Result: pinRolledBack, In: "production", Run: "r3", Message: "rolled back to image=carts:1"},
		},
		{
			name: "failed in staging, nothing left to run",
			slots: []*status.Slot{{
				Stage: "staging", Service: "carts",
				Last: &status.Run{ID: "r2", Candidate: c, Sequence: "delivery", Result: "fail", Score: &score, Message: "the gate failed"},
			}},
			want: &pinOutcome{Stage: "production", Result: pinFailed, In: "staging", Run: "r2", Score: &score, Message: "the gate failed"},
		},
		{
			name: "superseded while queued",
			slots: []*status.Slot{{
				Stage: "staging", Service: "carts", Superseded: []string{"r2 c1c1c1c by d2d2d2d"},
				Current: &status.Run{ID: "r3", Candidate: later, Sequence: "delivery", Phase: status.PhaseRunning},
			}},
			want: &pinOutcome{Stage: "production", Result: pinSuperseded, In: "staging", Run: "r2", Message: "superseded by d2d2d2d while queued"},
		},
		{
			name: "a proposal withdrawn for a later candidate",
			slots: []*status.Slot{{
				Stage: "production", Service: "carts",
				Last: &status.Run{ID: "r5", Candidate: c, Sequence: "delivery", Result: status.ResultSuperseded, Message: "withdrawn"},
			}},
			want: &pinOutcome{Stage: "production", Result: pinSuperseded, In: "production", Run: "r5", Message: "withdrawn"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &status.Branch{State: &status.State{Stages: []string{"staging", "production"}}, Slots: map[string]*status.Slot{}}
			for _, s := range tt.slots {
				b.Slots[status.SlotKey(s.Stage, s.Service)] = s
			}
			f := &follower{candidate: c, svc: "carts", stage: "production", printed: map[string]bool{}}
			first, got := f.step(b)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			if again, _ := f.step(b); len(again) > 0 {
				t.Errorf("the same state printed again: %q (first %q)", again, first)
			}
		})
	}
}

// TestFollowerPrintsEachStepOnce follows a candidate through staging into
// production: every step once, in order, and no score of a run that was
// not evaluated itself.
func TestFollowerPrintsEachStepOnce(t *testing.T) {
	const c = "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1"
	score := 100.0
	staging := &status.Slot{Stage: "staging", Service: "carts"}
	production := &status.Slot{Stage: "production", Service: "carts"}
	b := &status.Branch{
		State: &status.State{Stages: []string{"staging", "production"}},
		Slots: map[string]*status.Slot{"staging/carts": staging, "production/carts": production},
	}
	f := &follower{candidate: c, svc: "carts", stage: "production", printed: map[string]bool{}}
	var got []string
	step := func() {
		lines, _ := f.step(b)
		got = append(got, lines...)
	}
	staging.Queue = []*status.Run{{ID: "r1", Candidate: c, Sequence: "delivery", Phase: status.PhaseQueued}}
	step()
	staging.Queue, staging.Current = nil, &status.Run{ID: "r1", Candidate: c, Sequence: "delivery", Phase: status.PhaseWaiting, TaskName: "test", Waiting: status.WaitTest}
	step()
	step()
	staging.Current, staging.Last = nil, &status.Run{ID: "r1", Candidate: c, Sequence: "delivery", Result: "pass", Score: &score, Results: map[string]string{"evaluation": "pass"}}
	staging.Released = &status.Release{Candidate: c}
	production.Queue = []*status.Run{{ID: "r2", Candidate: c, Sequence: "delivery", Phase: status.PhaseQueued, Score: &score}}
	step()
	want := []string{
		"staging: r1 delivery queued",
		"staging: r1 delivery: test waiting for test",
		"staging: r1 evaluated: pass, score 100",
		"staging: r1 delivery finished: pass",
		"staging: released c1c1c1c",
		"production: r2 delivery queued",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	if want := "r2 delivery in production: delivery queued"; f.waiting != want {
		t.Errorf("waiting for %q, want %q", f.waiting, want)
	}
}
