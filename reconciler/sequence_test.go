package reconciler_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/internal/gittest"
)

// directSequence is a dev sequence beside promote.txtar's delivery, as the
// Keptn tutorial's delivery-direct.
const directSequence = `        - name: direct
          tasks:
            - name: deployment
              properties: {deploymentstrategy: direct, settle: 10s}
            - name: release
    - name: staging
`

func TestCandidateStartsTheSequenceItNames(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	shipyard := strings.Replace(w.git("show", "main:shipyard.yaml"), "    - name: staging\n", directSequence, 1)
	gittest.CommitFiles(t, w.dir, "main", "carts starts with direct", gittest.Files{
		"shipyard.yaml": gittest.Text(shipyard),
		"ferry.yaml":    gittest.Text("settle: 10s\nservices:\n  carts:\n    sequence: direct\n"),
	})
	pass := func() {
		t.Helper()
		if _, err := w.rec.Pass(context.Background()); err != nil {
			t.Fatalf("pass: %v", err)
		}
	}
	note := func(commit string) string {
		t.Helper()
		return w.git("notes", "--ref=ferry", "show", commit)
	}
	pass()
	if n := note("main"); !strings.Contains(n, "dev: queued direct for carts") {
		t.Errorf("the first candidate did not start ferry.yaml's sequence:\n%s", n)
	}

	// A CI commit names the sequence of its candidate.
	ci := gittest.CommitFiles(t, w.dir, "main", "bump carts\n\nFerry-Sequence: delivery", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: carts:0.12.0\n")})
	pass()
	if n := note(ci); !strings.Contains(n, "dev: queued delivery for carts") {
		t.Errorf("the trailer did not choose the sequence:\n%s", n)
	}

	// An explicit trigger changes no file and is a candidate all the same.
	trigger := gittest.CommitFiles(t, w.dir, "main", "trigger direct for carts\n\nFerry-Sequence: direct\nFerry-Service: carts", nil)
	pass()
	if n := note(trigger); !strings.Contains(n, "dev: queued direct for carts") {
		t.Errorf("the trigger commit did not start direct:\n%s", n)
	}

	// A sequence the shipyard does not have: not started, and status says why.
	bad := gittest.CommitFiles(t, w.dir, "main", "trigger nope\n\nFerry-Sequence: nope\nFerry-Service: carts", nil)
	pass()
	why := `is not delivered: no sequence "nope" in shipyard.yaml (sequences: delivery, direct, rollback)`
	if n := note(bad); !strings.Contains(n, "carts "+why) || strings.Contains(n, "queued") {
		t.Errorf("the candidate's note does not say why it did not start:\n%s", n)
	}
	if msg := w.git("log", "--format=%B", "ferry/status"); !strings.Contains(msg, why) {
		t.Errorf("ferry/status does not say why the candidate did not start:\n%s", msg)
	}
}
