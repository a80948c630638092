package status_test

import (
	"testing"

	"github.com/ferrycd/ferry/status"
)

// A chain of sequences triggering each other ends at MaxTriggerDepth, so a
// cycle in a shipyard can never start runs forever.
func TestTriggeredStopsAtMaxDepth(t *testing.T) {
	run := &status.Run{ID: "r1", Candidate: "c0ffee", Sequence: "delivery"}
	n := 0
	for {
		next, ok := run.Triggered("dev", "delivery", "pass")
		if !ok {
			break
		}
		if next.Candidate != "c0ffee" || next.TriggeredBy != "dev.delivery "+run.ID || next.Gate != "pass" {
			t.Fatalf("run %d: %+v", n, next)
		}
		n++
		next.ID = "r" + string(rune('a'+n%26))
		run = next
		if n > 1000 {
			t.Fatal("a trigger chain never ends")
		}
	}
	if n != status.MaxTriggerDepth {
		t.Errorf("%d runs triggered each other, want %d", n, status.MaxTriggerDepth)
	}
}
