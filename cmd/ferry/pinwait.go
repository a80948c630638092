package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// pinVerdict is how a followed candidate ended in the stage of --wait.
type pinVerdict string

// Outcomes of ferry pin --wait; only pinReleased exits 0.
const (
	pinReleased   pinVerdict = "released"
	pinFailed     pinVerdict = "failed"
	pinRolledBack pinVerdict = "rolledBack"
	pinSuperseded pinVerdict = "superseded"
	pinTimeout    pinVerdict = "timeout"
)

// pinOutcome is the outcome of --wait, as -o json prints it.
type pinOutcome struct {
	// Stage is the stage of --wait.
	Stage  string     `json:"stage"`
	Result pinVerdict `json:"result"`
	// In is the stage the outcome was decided in: Stage, or an earlier
	// stage the candidate failed in.
	In string `json:"in,omitempty"`
	// Run is the candidate's run in In, when known.
	Run string `json:"run,omitempty"`
	// Verdict and Score are the gate's in In, when one judged the
	// candidate; Record is the ID of its ledger record.
	Verdict string   `json:"verdict,omitempty"`
	Score   *float64 `json:"score,omitempty"`
	Record  string   `json:"record,omitempty"`
	// Message is the run's message, or for a timeout what the candidate
	// was waiting for.
	Message string `json:"message,omitempty"`
}

// waitPin follows candidate on ferry/status until it is decided in the
// stage of --wait or --timeout passes, printing each new step to w. A
// failed fetch is tried again at the next poll, and the outcome of a
// timeout says the last fetch error; refused credentials and a corrupt
// mirror end the wait at once with the error.
func waitPin(ctx context.Context, s *gitstore.Store, f *pinFlags, svc string, candidate gitstore.Hash, w io.Writer) (*pinOutcome, error) {
	fl := &follower{candidate: candidate.String(), svc: svc, stage: f.wait, printed: map[string]bool{}}
	deadline := time.Now().Add(f.timeout)
	var fetchErr error
	for {
		res, err := s.Fetch(ctx)
		fetchErr = err
		if gitstore.IsAuth(err) || gitstore.IsCorrupt(err) {
			return nil, err // waiting does not mend credentials or a broken mirror
		}
		if err == nil {
			tip := res.Snapshot.Get(s.FerryRef("status"))
			b, err := status.Read(s.Reader, tip, nil)
			if err != nil {
				return nil, fmt.Errorf("read ferry/status at %s: %w", gitstore.ShortSHA(tip.String()), err)
			}
			lines, o := fl.step(b)
			for _, l := range lines {
				if _, err := fmt.Fprintln(w, l); err != nil {
					return nil, err
				}
			}
			if o != nil {
				return o, writeVerdict(w, s, tip, svc, fl.candidate, o)
			}
		}
		if !time.Now().Before(deadline) {
			o := &pinOutcome{Stage: f.wait, Result: pinTimeout, Message: fl.waiting}
			if fetchErr != nil {
				o.Message += "; last fetch: " + fetchErr.Error()
			}
			_, err := fmt.Fprintf(w, "timed out after %s waiting for %s\n", f.timeout, o.Message)
			return o, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(f.poll, time.Until(deadline)+time.Millisecond)):
		}
	}
}

// verdictRecords bounds the ledger records read for a verdict.
const verdictRecords = 50

// verdictRecord returns the record of the run in a stage's ledger, else
// the candidate's latest, else nil. It reads the ledger newest first and
// stops at the run's record (or after verdictRecords records): never the
// whole ledger.
func verdictRecord(rd gitstore.Reader, statusTip gitstore.Hash, stage, svc, candidate, run string) (*evaluator.Record, error) {
	var rec *evaluator.Record
	read := 0
	err := evaluator.Scan(rd, statusTip, stage, svc, func(r *evaluator.Record) bool {
		read++
		if r.Candidate == candidate && (rec == nil || r.Run == run) {
			rec = r
		}
		return run == "" && rec != nil || rec != nil && rec.Run == run || read >= verdictRecords
	})
	return rec, err
}

// writeVerdict completes a decided outcome from the ledger of its stage
// and, unless it is a release, writes the gate's verdict table.
func writeVerdict(w io.Writer, s *gitstore.Store, statusTip gitstore.Hash, svc, candidate string, o *pinOutcome) error {
	rec, err := verdictRecord(s.Reader, statusTip, o.In, svc, candidate, o.Run)
	if err != nil {
		return err
	}
	if rec != nil {
		o.Record, o.Verdict = rec.ID, rec.Result
		if o.Score == nil {
			o.Score = &rec.Score
		}
	}
	line := fmt.Sprintf("%s: %s in %s", gitstore.ShortSHA(candidate), o.Result, o.In)
	if o.In != o.Stage {
		line += fmt.Sprintf(", never reached %s", o.Stage)
	}
	if o.Message != "" {
		line += ": " + o.Message
	}
	if _, err := fmt.Fprintln(w, line); err != nil {
		return err
	}
	if o.Result == pinReleased || rec == nil {
		return nil
	}
	if _, err := fmt.Fprintf(w, "\nquality gate of %s in %s (%s):\n", svc, o.In, rec.ID); err != nil {
		return err
	}
	return rec.WriteTable(w)
}

// follower reads what ferry/status says of one candidate of a service,
// poll after poll.
type follower struct {
	candidate, svc, stage string
	// printed are the progress lines already printed.
	printed map[string]bool
	// waiting is what the candidate waited for at the last poll.
	waiting string
}

// step returns the progress lines not printed before, and the outcome
// once the candidate is decided in the stage of --wait.
func (f *follower) step(b *status.Branch) ([]string, *pinOutcome) {
	var lines []string
	add := func(format string, args ...any) {
		l := fmt.Sprintf(format, args...)
		if !f.printed[l] {
			f.printed[l] = true
			lines = append(lines, l)
		}
	}
	short := gitstore.ShortSHA(f.candidate)
	active, seen := false, false
	f.waiting = "ferry run to queue " + short
	for _, st := range stageOrder(b) {
		slot := b.Slots[status.SlotKey(st, f.svc)]
		if slot == nil {
			continue
		}
		for _, r := range candidateRuns(slot, f.candidate) {
			seen = true
			// A run triggered by another carries that run's score until
			// its own evaluation: only a result of its own is news.
			if v := r.Results[string(stages.TaskEvaluation)]; v != "" && r.Score != nil {
				add("%s: %s evaluated: %s, score %s", st, r.ID, v, evaluator.FormatScore(*r.Score))
			}
			add("%s: %s %s", st, r.ID, runStep(r))
			if r.Result == "" {
				active = true
				f.waiting = fmt.Sprintf("%s %s in %s: %s", r.ID, r.Sequence, st, runStep(r))
			}
		}
		if released(slot, f.candidate) {
			add("%s: released %s", st, short)
		}
	}
	if seen && !active {
		f.waiting = fmt.Sprintf("%s to reach %s", short, f.stage)
	}
	o := f.outcome(b, active)
	return lines, o
}

// outcome decides the candidate in the stage of --wait: released there;
// failed, rolled back or superseded there once nothing of it runs any
// more (a rollback has finished); or failed in an earlier stage with
// nothing of it left to run anywhere.
func (f *follower) outcome(b *status.Branch, active bool) *pinOutcome {
	if slot := b.Slots[status.SlotKey(f.stage, f.svc)]; slot != nil && released(slot, f.candidate) {
		o := &pinOutcome{Stage: f.stage, Result: pinReleased, In: f.stage}
		rel := slot.Released
		if rel == nil || rel.Candidate != f.candidate {
			rel = slot.Previous
		}
		o.Score = rel.Score
		if runs := candidateRuns(slot, f.candidate); len(runs) > 0 {
			o.Run = runs[len(runs)-1].ID
		}
		return o
	}
	if active {
		return nil
	}
	if o := f.failedIn(b, f.stage); o != nil {
		return o
	}
	for _, st := range stageOrder(b) {
		if st == f.stage {
			continue
		}
		if o := f.failedIn(b, st); o != nil {
			return o
		}
	}
	return nil
}

// failedIn returns how the candidate failed in stage, or nil.
func (f *follower) failedIn(b *status.Branch, stage string) *pinOutcome {
	slot := b.Slots[status.SlotKey(stage, f.svc)]
	if slot == nil {
		return nil
	}
	o := &pinOutcome{Stage: f.stage, In: stage}
	runs := candidateRuns(slot, f.candidate)
	for _, r := range runs {
		if r.RolledBack != "" {
			o.Result, o.Run, o.Message = pinRolledBack, r.ID, r.RolledBack
			if g := slot.Gate; g != nil && g.Candidate == f.candidate {
				o.Run = g.Run // the run the gate failed, not the rollback's
			}
			return o
		}
	}
	for _, r := range runs {
		if r.Result == status.ResultSuperseded {
			o.Result, o.Run, o.Message = pinSuperseded, r.ID, r.Message
			return o
		}
		if r.Result != "" && status.EndPhase(r.Result) == status.PhaseFailed {
			o.Result, o.Run, o.Score, o.Message = pinFailed, r.ID, r.Score, r.Message
			return o
		}
	}
	if g := slot.Gate; g != nil && g.Candidate == f.candidate && g.Result == evaluator.ResultFail {
		o.Result, o.Run = pinFailed, g.Run
		score := g.Score
		o.Score = &score
		if d := slot.Deployed; d != nil && d.RolledBack && d.Candidate != f.candidate {
			o.Result, o.Message = pinRolledBack, "rolled back to "+version(d.Pin, d.Candidate)
		}
		return o
	}
	for _, e := range slot.Superseded {
		if run, cand, by, ok := status.ParseSuperseded(e); ok && cand == gitstore.ShortSHA(f.candidate) {
			o.Result, o.Run, o.Message = pinSuperseded, run, "superseded by "+by+" while queued"
			return o
		}
	}
	return nil
}

// stageOrder returns the stages of the status in shipyard order, then
// any other stage with a slot.
func stageOrder(b *status.Branch) []string {
	out := slices.Clone(b.State.Stages)
	var extra []string
	for _, slot := range b.Slots {
		if !slices.Contains(out, slot.Stage) && !slices.Contains(extra, slot.Stage) {
			extra = append(extra, slot.Stage)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// candidateRuns returns the runs of candidate in a slot: the last
// finished, the one in flight, then the queued ones.
func candidateRuns(slot *status.Slot, candidate string) []*status.Run {
	var out []*status.Run
	for _, r := range append([]*status.Run{slot.Last, slot.Current}, slot.Queue...) {
		if r != nil && r.Candidate == candidate {
			out = append(out, r)
		}
	}
	return out
}

// released reports whether candidate was released in the slot: it is the
// release, or the one before it.
func released(slot *status.Slot, candidate string) bool {
	return slot.Released != nil && slot.Released.Candidate == candidate ||
		slot.Previous != nil && slot.Previous.Candidate == candidate
}

// runStep is where a run is, in words.
func runStep(r *status.Run) string {
	switch {
	case r.Result != "":
		t := r.Sequence + " finished: " + r.Result
		if r.Message != "" {
			t += " (" + r.Message + ")"
		}
		return t
	case r.Phase == status.PhaseQueued || r.Phase == status.PhaseHeld:
		return r.Sequence + " " + string(r.Phase)
	case r.Waiting != "":
		return fmt.Sprintf("%s: %s waiting for %s", r.Sequence, r.TaskName, r.Waiting)
	}
	return fmt.Sprintf("%s: %s", r.Sequence, r.TaskName)
}
