package reconciler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
)

// pass is one computation over a snapshot.
type pass struct {
	r         *Reconciler
	store     *gitstore.Store
	snap      gitstore.Snapshot
	batch     *gitstore.Batch
	now       time.Time
	state     *State
	before    map[string]string // slot key -> YAML as read
	reports   []*Report
	consumed  map[string]bool
	log       []string
	next      time.Time
	statusRef string
	mainTip   gitstore.Hash

	transitions int
	// after holds measurements to record once the push succeeded.
	after []func(*Metrics)
	// progressLines are the lines for candidates' notes, by candidate.
	progressLines map[string][]string
	// problems are the open problems (and those that end in this pass).
	problems   []*Problem
	problemRaw map[string]string
}

func (r *Reconciler) newPass(snap gitstore.Snapshot) (*pass, error) {
	s := r.opts.Store
	p := &pass{
		r: r, store: s, snap: snap, batch: s.Begin(snap), now: r.opts.Now().UTC(),
		consumed: map[string]bool{}, statusRef: s.FerryRef("status"), mainTip: snap.Get(s.MainRef()),
	}
	p.batch.Now = func() time.Time { return p.now }
	status := snap.Get(p.statusRef)
	st, err := loadState(s.Reader, status, r.slots.parse)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	p.state = st
	p.before = st.raw
	if p.reports, err = loadReports(s.Reader, status); err != nil {
		return nil, fmt.Errorf("read reports: %w", err)
	}
	if p.problems, p.problemRaw, err = loadProblems(s.Reader, status); err != nil {
		return nil, fmt.Errorf("read problems: %w", err)
	}
	return p, nil
}

// compute makes every transition of the pass in the batch.
func (p *pass) compute(ctx context.Context) error {
	if p.mainTip.IsZero() {
		return nil // nothing to deliver yet
	}
	proj, err := p.r.project(p.store.Reader, p.mainTip)
	switch {
	case err != nil:
		p.state.Error = err.Error()
	case proj.Config.StageBranchPrefix != p.store.Options().StagePrefix:
		// Deploying to branches the mirror does not track would lose them.
		p.state.Error = fmt.Sprintf("ferry.yaml: stageBranchPrefix %q differs from ferry's --stage-prefix %q: run ferry with --stage-prefix %s",
			proj.Config.StageBranchPrefix, p.store.Options().StagePrefix, proj.Config.StageBranchPrefix)
		return p.writeState()
	default:
		p.state.Error = ""
	}
	if err := p.enqueueCandidates(); err != nil {
		return err
	}
	p.openProblems()
	if err := p.remediate(ctx); err != nil {
		return err
	}
	for _, k := range p.state.keys() {
		if err := p.advance(ctx, p.state.Slots[k]); err != nil {
			return err
		}
	}
	p.r.opts.Metrics.observeQueues(p.state)
	if err := p.writeProgress(); err != nil {
		return err
	}
	return p.writeState()
}

// enqueueCandidates queues the main commits since the last pass.
func (p *pass) enqueueCandidates() error {
	if p.state.LastMain == p.mainTip.String() {
		return nil
	}
	commits, bootstrap, err := p.newMainCommits()
	if err != nil {
		return err
	}
	for _, c := range commits {
		proj, perr := p.r.project(p.store.Reader, c.Hash)
		var services []string
		switch {
		case bootstrap && perr == nil:
			services = sortedKeys(proj.Services)
		case perr == nil:
			parent := gitstore.ZeroHash
			if len(c.Parents) > 0 {
				parent = c.Parents[0]
			}
			changed, err := p.store.ChangedPaths(parent, c.Hash)
			if err != nil {
				return err
			}
			services = proj.Candidates(changed)
		default:
			p.logf("main %s is invalid; no candidates from it: %v", short(c.Hash.String()), firstLine(perr))
			continue
		}
		for _, svc := range services {
			p.enqueueCandidate(proj, c.Hash.String(), svc)
		}
	}
	p.state.LastMain = p.mainTip.String()
	return nil
}

// newMainCommits lists the first-parent commits of main after LastMain,
// oldest first. Without a LastMain (the first pass), the tip alone is a
// candidate for every service.
func (p *pass) newMainCommits() ([]*gitstore.Commit, bool, error) {
	var out []*gitstore.Commit
	h := p.mainTip
	for i := 0; i < maxNewCandidates; i++ {
		if p.state.LastMain != "" && h.String() == p.state.LastMain {
			break
		}
		c, err := p.store.Commit(h)
		if err != nil {
			return nil, false, err
		}
		out = append(out, c)
		if p.state.LastMain == "" || len(c.Parents) == 0 {
			break
		}
		h = c.Parents[0]
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, p.state.LastMain == "", nil
}

// enqueueCandidate starts a candidate in the first stage's first sequence
// that no trigger starts.
func (p *pass) enqueueCandidate(proj *stages.Project, candidate, svc string) {
	first := proj.Shipyard.Spec.Stages[0]
	for _, q := range first.Sequences {
		if len(q.TriggeredOn) == 0 {
			p.enqueue(first.Name, svc, &Run{Candidate: candidate, Sequence: q.Name}, proj, false)
			p.progress(candidate, fmt.Sprintf("%s: queued %s for %s", first.Name, q.Name, svc))
			return
		}
	}
	p.logf("stage %s has no sequence without triggers; %s is not delivered", first.Name, svc)
}

// enqueue adds a run to a slot's queue; first puts it ahead of the waiting
// runs (a rollback). With concurrency "latest", a newer candidate replaces
// the runs of the same sequence still waiting, which are recorded as
// superseded.
func (p *pass) enqueue(stage, svc string, run *Run, proj *stages.Project, first bool) {
	slot := p.state.slot(stage, svc)
	run.ID = p.state.newRunID()
	run.Phase, run.Since = PhaseQueued, p.now
	if s := proj.Services[svc]; s != nil {
		run.Pin = s.Pin.Summary()
	}
	if first {
		slot.Queue = append([]*Run{run}, slot.Queue...)
		return
	}
	if proj.Config.Concurrency(stage) == stages.ConcurrencyLatest {
		kept := slot.Queue[:0]
		for _, q := range slot.Queue {
			if q.Sequence == run.Sequence {
				slot.Superseded = appendBounded(slot.Superseded, fmt.Sprintf("%s %s by %s", q.ID, short(q.Candidate), short(run.Candidate)), 20)
				p.progress(q.Candidate, fmt.Sprintf("%s: %s superseded by %s", stage, q.Sequence, short(run.Candidate)))
				continue
			}
			kept = append(kept, q)
		}
		slot.Queue = kept
	}
	slot.Queue = append(slot.Queue, run)
}

func appendBounded(list []string, s string, max int) []string {
	list = append(list, s)
	if len(list) > max {
		list = list[len(list)-max:]
	}
	return list
}

// progress adds a line to the note on a candidate commit on main, so that
// git log --notes=ferry main tells a CI author what happened. Lines are
// gathered during the pass and written once per commit.
func (p *pass) progress(candidate, line string) {
	if p.progressLines == nil {
		p.progressLines = map[string][]string{}
	}
	p.progressLines[candidate] = append(p.progressLines[candidate], p.now.Format(time.RFC3339)+" "+line+"\n")
}

// writeProgress appends the gathered lines to the candidates' notes.
func (p *pass) writeProgress() error {
	for _, candidate := range sortedKeys(p.progressLines) {
		h := gitstore.NewHash(candidate)
		old, err := p.batch.Note(h)
		if err != nil && !gitstore.IsNotFound(err) {
			return err
		}
		p.batch.SetNote(h, append(old, strings.Join(p.progressLines[candidate], "")...))
	}
	return nil
}

func (p *pass) logf(format string, args ...any) {
	p.log = append(p.log, fmt.Sprintf(format, args...))
}

func (p *pass) logTransitions(log logr.Logger) {
	for _, l := range p.log {
		log.Info(l)
	}
}

// wake records the earliest time a wait ends.
func (p *pass) wake(at time.Time) {
	if !at.IsZero() && (p.next.IsZero() || at.Before(p.next)) {
		p.next = at
	}
}

// maxLogLines bounds the transitions a status commit's message lists.
const maxLogLines = 50

// writeState commits the changed slots, state.yaml, the consumed reports
// and the dashboards in one commit on ferry/status.
func (p *pass) writeState() error {
	var edits []gitstore.Edit
	for _, k := range p.state.keys() {
		slot := p.state.Slots[k]
		data := marshalYAML(slot)
		if p.before[k] != string(data) {
			edits = append(edits, gitstore.Put(slotPath(slot.Stage, slot.Service), data))
		}
	}
	for _, r := range p.reports {
		if p.consumed[r.file] || p.now.Sub(r.Received) > 24*time.Hour {
			edits = append(edits, gitstore.Delete(r.file))
		}
	}
	edits = append(edits, p.writeProblems()...)
	if len(edits) == 0 && p.transitions == 0 && !p.stateChanged() {
		return nil
	}
	edits = append(edits,
		gitstore.Put(stateFile, marshalYAML(p.state)),
		gitstore.Put(statusMD, renderStatusMD(p.state, p.now)),
		gitstore.Put(statusJSON, renderStatusJSON(p.state, p.now)),
	)
	msg := fmt.Sprintf("status: %d transition(s)", p.transitions)
	if n := len(p.log); n > 0 {
		lines := p.log
		if n > maxLogLines {
			lines = append(lines[:maxLogLines:maxLogLines], fmt.Sprintf("… and %d more (runs/ has them all)", n-maxLogLines))
		}
		msg += "\n\n" + strings.Join(lines, "\n")
	}
	_, err := p.batch.Commit(p.statusRef, gitstore.CommitRequest{Message: msg, Edits: edits})
	if errors.Is(err, gitstore.ErrNoChange) {
		return nil
	}
	return err
}

func (p *pass) stateChanged() bool {
	status := p.snap.Get(p.statusRef)
	if status.IsZero() {
		return true
	}
	old, err := p.store.ReadFile(status, stateFile)
	return err != nil || string(old) != string(marshalYAML(p.state))
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
