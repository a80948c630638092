package reconciler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/reconciler/notify"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// pass is one computation over a snapshot: its inputs, what it may use, and
// what it produced.
type pass struct {
	in inputs
	deps
	st    *status.Branch
	batch *gitstore.Batch

	statusRef string
	stall     *status.Stall
	// rebuilt is set when ferry/status was older than the stage branches.
	rebuilt bool

	transitions int
	next        time.Time
	changes     []change
	// progressLines are the lines for candidates' notes, by candidate.
	progressLines map[string][]string
	// consumed are the reports this pass used, by file.
	consumed map[string]bool
	// notes are the notifications to send once the push succeeded, and
	// deployed the stages of the deployments it made.
	notes       []notify.Notification
	deployed    []string
	evaluated   [][2]string       // stage, result
	holdAuthors map[string]string // who asked for each hold, by file
}

// deps are what a pass may use besides its inputs.
type deps struct {
	store    *gitstore.Store
	projects *stages.Cache
	opts     *Options
	log      logr.Logger
	gates    *evaluator.Background
	gateWait <-chan struct{} // closed after Options.GateWait
}

// change is one transition, for the log and the status commit's message.
type change struct {
	stage, service, run, what string
}

func (c change) String() string {
	if c.stage == "" {
		return c.what
	}
	return fmt.Sprintf("%s/%s %s %s", c.stage, c.service, c.run, c.what)
}

func (r *Reconciler) newPass(ctx context.Context, snap gitstore.Snapshot, b *gitstore.Batch) (*pass, error) {
	in, err := r.resolve(snap)
	if stall := status.AsStall(err); stall != nil {
		r.logger(ctx).Error(stall, msgStalled, keyReason, stall.Reason)
		// Nothing may be written over a state that cannot be read.
		return &pass{in: in, stall: stall, batch: b}, nil
	}
	if err != nil {
		return nil, err
	}
	s := r.opts.Store
	p := &pass{
		in: in, deps: deps{store: s, projects: r.projects, opts: &r.opts, log: r.logger(ctx), gates: &r.gates},
		st: in.status, batch: b, statusRef: s.FerryRef("status"), consumed: map[string]bool{},
	}
	p.batch.Now = func() time.Time { return in.now }
	return p, nil
}

// step is one named part of a pass.
type step struct {
	name string
	run  func(context.Context) error
}

// run computes every transition of the pass in its batch, step by step;
// the first error stops the pass.
func (p *pass) run(ctx context.Context) error {
	if p.st == nil || p.in.mainTip.IsZero() {
		return nil // a stalled status branch, or nothing to deliver yet
	}
	for _, s := range []step{
		{"check the project", p.checkProject},
		{"recover a lost status", p.recoverLostStatus},
		{"resume deferred runs", p.resumeDeferred},
		{"queue candidates", p.enqueueCandidates},
		{"open problems", p.openProblems},
		{"remediate", p.remediate},
		{"advance runs", p.advanceRuns},
		{"write progress notes", p.writeProgress},
		{"write status", p.writeStatus},
	} {
		err := s.run(ctx)
		if errors.Is(err, errHalt) {
			return p.writeStatus(ctx)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// errHalt ends a pass early: only the status is written.
var errHalt = errors.New("halt")

// checkProject records why main cannot be delivered: an invalid project
// stalls new candidates (runs in flight read their own commits and go on);
// a stage prefix that differs from the mirror's halts the pass.
func (p *pass) checkProject(context.Context) error {
	switch {
	case p.in.mainErr != nil:
		p.stall = &status.Stall{Reason: status.ReasonInvalidProject, Err: p.in.mainErr}
	case p.in.main.Config.StageBranchPrefix != p.store.Options().StagePrefix:
		// Deploying to branches the mirror does not track would lose them.
		p.stall = &status.Stall{Reason: status.ReasonStagePrefixMismatch, Err: fmt.Errorf(
			"ferry.yaml: stageBranchPrefix %q differs from ferry's --stage-prefix %q: run ferry with --stage-prefix %s",
			p.in.main.Config.StageBranchPrefix, p.store.Options().StagePrefix, p.in.main.Config.StageBranchPrefix)}
		return errHalt
	}
	return nil
}

// resumeDeferred moves the runs queued while a slot's file was corrupt
// into the slot, once it reads again.
func (p *pass) resumeDeferred(context.Context) error {
	p.transitions += p.st.ResumeDeferred()
	return nil
}

// advanceRuns moves every slot as far as it can go.
func (p *pass) advanceRuns(ctx context.Context) error {
	for _, k := range p.st.Keys() {
		if err := p.advance(ctx, p.st.Slots[k]); err != nil {
			return err
		}
	}
	p.opts.Metrics.ObserveQueues(queued(p.st))
	return nil
}

// progress adds a line to the note on a candidate commit on main, so that
// git log --notes=ferry main tells a CI author what happened. Lines are
// gathered during the pass and written once per commit.
func (p *pass) progress(candidate, line string) {
	if p.progressLines == nil {
		p.progressLines = map[string][]string{}
	}
	p.progressLines[candidate] = append(p.progressLines[candidate], p.in.now.Format(time.RFC3339)+" "+line+"\n")
}

// writeProgress appends the gathered lines to the candidates' notes.
func (p *pass) writeProgress(context.Context) error {
	for _, candidate := range slices.Sorted(maps.Keys(p.progressLines)) {
		if err := p.batch.AppendNote(gitstore.NewHash(candidate), []byte(strings.Join(p.progressLines[candidate], ""))); err != nil {
			return fmt.Errorf("append to the note on %s: %w", gitstore.ShortSHA(candidate), err)
		}
	}
	return nil
}

// record notes a transition for the log and the status commit.
func (p *pass) record(slot *status.Slot, run *status.Run, format string, args ...any) {
	c := change{what: fmt.Sprintf(format, args...)}
	if slot != nil {
		c.stage, c.service = slot.Stage, slot.Service
	}
	if run != nil {
		c.run = run.ID
	}
	p.changes = append(p.changes, c)
}

// pushed logs the transitions and sends what waited for the push.
func (p *pass) pushed(log logr.Logger) {
	for _, c := range p.changes {
		log.Info(msgTransition, keyStage, c.stage, keyService, c.service, keyRun, c.run, keyChange, c.what)
	}
	for _, n := range p.notes {
		if p.opts.Notifier != nil {
			p.opts.Notifier.Notify(n)
		}
	}
	for _, stage := range p.deployed {
		p.opts.Metrics.ObserveDeployment(stage)
	}
	for _, e := range p.evaluated {
		p.opts.Metrics.ObserveEvaluation(e[0], e[1])
	}
}

// wake records the earliest time a wait ends.
func (p *pass) wake(at time.Time) {
	if !at.IsZero() && (p.next.IsZero() || at.Before(p.next)) {
		p.next = at
	}
}

// queued counts the runs waiting per stage.
func queued(st *status.Branch) map[string]int {
	per := map[string]int{}
	for _, s := range st.Slots {
		per[s.Stage] += len(s.Queue)
	}
	return per
}
