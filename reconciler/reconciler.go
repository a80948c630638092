package reconciler

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
)

// Defaults for [Options].
const (
	DefaultTimeout   = time.Hour
	DefaultTimeframe = 5 * time.Minute
	maxPushAttempts  = 8
	maxStepsPerSlot  = 64
	maxNewCandidates = 1000
	retryForge       = time.Minute
)

// Options configure a [Reconciler].
type Options struct {
	// Store is the repository.
	Store *gitstore.Store
	// Querier answers SLI queries; nil fails every evaluation that needs
	// one, with the reason.
	Querier evaluator.Querier
	// Timeout ends every wait that has no timeout of its own. Default 1h.
	Timeout time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives the loop's log lines.
	Log logr.Logger
	// Metrics, when set, receives the loop's measurements.
	Metrics *Metrics
	// Notifier, when set, is told of approvals needed, failed gates and
	// rollbacks, once they are pushed.
	Notifier Notifier
	// PullRequests, when set, opens a pull request for each proposal.
	PullRequests PullRequests
}

// Validate fills defaults.
func (o *Options) Validate() error {
	if o.Store == nil {
		return errors.New("reconciler: a store is required")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// Reconciler runs passes. Passes never run concurrently.
type Reconciler struct {
	opts Options

	mu       sync.Mutex // one pass at a time
	projects map[gitstore.Hash]*loadedProject
	// idle remembers the snapshot of the last pass that had nothing to
	// push and when its first wait ends: the same refs before that time
	// give the same (empty) result, so the pass stops after the fetch.
	idle  *idlePass
	slots slotCache
}

type idlePass struct {
	snap gitstore.Snapshot
	next time.Time
}

type loadedProject struct {
	project *stages.Project
	err     error
}

// New returns a reconciler.
func New(opts Options) (*Reconciler, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &Reconciler{opts: opts, projects: map[gitstore.Hash]*loadedProject{}}, nil
}

// PassResult says what a pass did.
type PassResult struct {
	// Pushed reports whether the pass wrote anything.
	Pushed bool
	// Transitions counts the run transitions it made.
	Transitions int
	// Next is the earliest time a wait ends; zero when nothing waits.
	Next time.Time
	// Attempts counts the pushes tried (more than one after a ref moved).
	Attempts int
	// Bytes counts the pack bytes pushed.
	Bytes int64
}

// Pass fetches, computes every transition and pushes them atomically. When
// a ref moved meanwhile it fetches and recomputes.
func (r *Reconciler) Pass(ctx context.Context) (PassResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := r.opts.Now()
	res, err := r.pass(ctx)
	r.opts.Metrics.observePass(r.opts.Now().Sub(start), res, err)
	return res, err
}

func (r *Reconciler) pass(ctx context.Context) (PassResult, error) {
	var res PassResult
	for res.Attempts < maxPushAttempts {
		fr, err := r.opts.Store.Fetch(ctx)
		r.opts.Metrics.observeFetch(fr, err)
		if err != nil {
			return res, fmt.Errorf("fetch: %w", err)
		}
		if r.stillIdle(fr.Snapshot) {
			res.Next = r.idle.next
			return res, nil
		}
		r.idle = nil
		p, err := r.newPass(fr.Snapshot)
		if err != nil {
			return res, err
		}
		if err := p.compute(ctx); err != nil {
			return res, err
		}
		res.Transitions, res.Next = p.transitions, p.next
		if p.batch.Empty() {
			r.idle = &idlePass{snap: fr.Snapshot, next: p.next}
			return res, nil
		}
		res.Attempts++
		pr, err := r.opts.Store.Push(ctx, p.batch)
		r.opts.Metrics.observePush(pr, err)
		if err == nil {
			res.Pushed, res.Bytes = true, pr.Bytes
			p.logTransitions(r.opts.Log)
			for _, f := range p.after {
				f(r.opts.Metrics)
			}
			return res, nil
		}
		if !gitstore.IsStale(err) {
			return res, fmt.Errorf("push: %w", err)
		}
		r.opts.Log.V(1).Info("ref moved during pass, recomputing", "attempt", res.Attempts)
	}
	return res, fmt.Errorf("push: %d attempts in a row found a ref moved", maxPushAttempts)
}

// stillIdle reports whether nothing can have changed since the last idle
// pass: the same refs, and no wait has ended.
func (r *Reconciler) stillIdle(snap gitstore.Snapshot) bool {
	if r.idle == nil || !r.idle.snap.Equal(snap) {
		return false
	}
	return r.idle.next.IsZero() || r.opts.Now().Before(r.idle.next)
}

// project returns the project at a main commit, parsed once per commit.
func (r *Reconciler) project(rd gitstore.Reader, commit gitstore.Hash) (*stages.Project, error) {
	if lp, ok := r.projects[commit]; ok {
		return lp.project, lp.err
	}
	lp := &loadedProject{}
	files, err := rd.ReadDir(commit, "")
	if err != nil {
		lp.err = err
	} else {
		p, diags := stages.Load(stages.Files(files))
		lp.project = p
		if p == nil {
			lp.err = fmt.Errorf("the project at %s is invalid:\n%s", short(commit.String()), diags.Errors().Error())
		}
	}
	if len(r.projects) > 256 {
		r.projects = map[gitstore.Hash]*loadedProject{}
	}
	r.projects[commit] = lp
	return lp.project, lp.err
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
