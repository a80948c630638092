package reconciler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/event"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/memory"
	"github.com/ferrycd/ferry/reconciler/idle"
	"github.com/ferrycd/ferry/reconciler/metrics"
	"github.com/ferrycd/ferry/reconciler/notify"
	"github.com/ferrycd/ferry/signing"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/stages/renderer"
	"github.com/ferrycd/ferry/status"
)

// Defaults for [Options].
const (
	DefaultTimeout   = time.Hour
	DefaultTimeframe = 5 * time.Minute
	DefaultGateWait  = 2 * time.Second
)

// Limits of one pass.
const (
	maxStepsPerSlot = 64
	retryForge      = time.Minute
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
	// Log receives the loop's log lines when the context of a pass carries
	// no logger.
	Log logr.Logger
	// Metrics, when set, receives the loop's measurements.
	Metrics *metrics.Metrics
	// Notifier, when set, is told of approvals needed, failed gates,
	// rollbacks and escalations, once they are pushed.
	Notifier notify.Notifier
	// Announcer, when set, is told of the tasks waiting for an answer
	// after every pass whose state is in Git.
	Announcer event.Announcer
	// PullRequests, when set, opens a pull request for each proposal.
	PullRequests PullRequests
	// ForgePoll is how often a waiting pull request is read. Default 1m.
	ForgePoll time.Duration
	// Render limits rendering charts (time, output, memory); the zero
	// value means the renderer's defaults.
	Render renderer.Options
	// GateWait is how long a pass waits for the quality gates it asks for,
	// all together; a gate not ready then is asked again. Default 2s.
	GateWait time.Duration
	Verifier *signing.Verifier // checks candidates' signatures for ferry.yaml's verify stages; nil allows no signer
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
	o.GateWait, o.ForgePoll = cmp.Or(o.GateWait, DefaultGateWait), cmp.Or(o.ForgePoll, retryForge)
	if o.Querier == nil {
		o.Querier = evaluator.NoQuerier{}
	}
	return nil
}

// Reconciler runs passes. Passes never run concurrently.
type Reconciler struct {
	opts Options

	mu       sync.Mutex // one pass at a time
	projects *stages.Cache
	idle     *idle.Memory // the last pass that pushed nothing, kept across restarts
	woken    atomic.Bool  // set by Loop.Trigger: a forge's review may have changed, so no pass is skipped
	slots    status.Cache
	gates    evaluator.Background
}

// New returns a reconciler.
func New(opts Options) (*Reconciler, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	projects := stages.NewCache(opts.Store.Reader)
	projects.RenderLimits = opts.Render
	// What else changes a pass's result over the same refs keys its memory.
	key := idle.Key(opts.Timeout, opts.GateWait, opts.ForgePoll, opts.PullRequests != nil, opts.Announcer != nil,
		fmt.Sprintf("%T", opts.Querier), opts.Render, opts.Store.Options().StagePrefix, opts.Store.MainRef(), opts.Verifier.Fingerprint())
	return &Reconciler{opts: opts, projects: projects, idle: idle.Open(filepath.Join(opts.Store.Options().Dir, idle.File), key)}, nil
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
	// Stall is why the project cannot be delivered, when it cannot.
	Stall *status.Stall
}

// Pass fetches, computes every transition and pushes them atomically. When
// a ref moved meanwhile it fetches and recomputes.
func (r *Reconciler) Pass(ctx context.Context) (PassResult, error) {
	defer memory.Release() // the peak of a large pass is not kept for the idle ones (after the unlock)
	r.mu.Lock()
	defer r.mu.Unlock()
	start := r.opts.Now()
	res, err := r.pass(ctx)
	r.opts.Metrics.ObservePass(r.opts.Now().Sub(start), res.Pushed, res.Transitions, err)
	return res, err
}

func (r *Reconciler) pass(ctx context.Context) (PassResult, error) {
	var res PassResult
	var p *pass
	compute := func(snap gitstore.Snapshot, b *gitstore.Batch) error {
		p = nil
		if was, ok := r.idle.Still(snap, r.opts.Now()); !r.woken.Swap(false) && ok {
			res.Next, res.Stall = was.Next, was.Stall
			r.opts.Metrics.ObserveQueues(was.Queued)
			return gitstore.ErrNoChange
		}
		r.idle.Forget()
		var err error
		if p, err = r.newPass(ctx, snap, b); err != nil {
			return err
		}
		gctx, cancel := context.WithTimeout(ctx, r.opts.GateWait)
		defer cancel()
		p.gateWait = gctx.Done()
		if err := p.run(ctx); err != nil {
			return err
		}
		res.Transitions, res.Next, res.Stall = p.transitions, p.next, p.stall
		if b.Empty() {
			r.idle.Remember(snap, p.in.now, p.next, p.stall, p.st)
		}
		return nil
	}
	ur, err := r.opts.Store.Update(ctx, compute)
	r.opts.Metrics.ObserveUpdate(ur, err)
	if ur.Healed {
		r.logger(ctx).Info(msgHealed)
	}
	res.Attempts = ur.Attempts
	if p == nil || !ur.Pushed() {
		res.Attempts = max(0, ur.Attempts-1) // the last round pushed nothing
	}
	if err != nil {
		if gitstore.IsAuth(err) {
			err = &status.Stall{Reason: status.ReasonAuthenticationFailed, Err: err}
		}
		return res, err
	}
	if ur.Pushed() {
		res.Pushed, res.Bytes = true, ur.Push.Bytes
		p.pushed(r.logger(ctx))
	}
	var waits []event.Wait
	if p != nil && p.st != nil && r.opts.Announcer != nil {
		waits = event.Waits(p.st, p.in.main, r.projects.At, r.opts.Store.Reader)
		r.opts.Announcer.Announce(waits)
	}
	r.idle.Save(len(waits) > 0)
	return res, nil
}

// logger is the context's logger, else the one of the options.
func (r *Reconciler) logger(ctx context.Context) logr.Logger {
	if l, err := logr.FromContext(ctx); err == nil {
		return l
	}
	return r.opts.Log
}
