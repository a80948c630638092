package review

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/gitstore"
)

// Marker starts every plan comment ferry writes.
const Marker = "<!-- ferry-plan -->"

// StatusContext names ferry's commit status.
const StatusContext = "ferry/plan"

// Forge is what a reviewer asks of the forge.
type Forge interface {
	User(ctx context.Context) (string, error)
	OpenInto(ctx context.Context, base string) ([]forge.Change, error)
	FindComment(ctx context.Context, number int, author, marker string) (forge.Comment, bool, error)
	AddComment(ctx context.Context, number int, body string) (forge.Comment, error)
	EditComment(ctx context.Context, number int, id int64, body string) error
	SetStatus(ctx context.Context, sha string, s forge.Status) error
}

var _ Forge = (*forge.Client)(nil)

// Plan is a computed plan, as a pull request shows it.
type Plan interface {
	// Valid is false when the head does not validate.
	Valid() bool
	// Markdown is the comment's text.
	Markdown() string
}

// PlanFunc plans the change from base to head; statusTip is ferry/status
// (zero when there is none), whose ledger holds the recorded evaluations.
type PlanFunc func(ctx context.Context, base, head, statusTip gitstore.Hash) (Plan, error)

// Options configure a [Reviewer].
type Options struct {
	Store *gitstore.Store
	Forge Forge
	Plan  PlanFunc
	Log   logr.Logger
	// Retry is how long a plan that failed waits before it is made
	// again. Default [RetryFailed].
	Retry time.Duration
}

// Reviewer keeps the plans on the pull requests into main up to date.
type Reviewer struct {
	opts    Options
	trigger chan struct{}

	mu     sync.Mutex
	posted map[int]string    // pull request → the stamp of its comment
	failed map[int]time.Time // pull request → when a failed plan is made again
	me     string            // the account the forge's token acts as
}

// PlanTimeout bounds the plan of one pull request, and RetryFailed is how
// long a plan that failed waits before it is made again.
const (
	PlanTimeout = 2 * time.Minute
	RetryFailed = time.Minute
)

// New returns a reviewer.
func New(opts Options) *Reviewer {
	opts.Retry = cmp.Or(opts.Retry, RetryFailed)
	return &Reviewer{opts: opts, trigger: make(chan struct{}, 1), posted: map[int]string{}, failed: map[int]time.Time{}}
}

// Log messages and keys.
const (
	msgPlanned    = "planned pull request"
	msgSyncFailed = "plan pull requests failed"
	keyPR         = "pullRequest"
	keyValid      = "valid"
)

// Trigger asks for a sync soon. It never blocks.
func (r *Reviewer) Trigger() {
	select {
	case r.trigger <- struct{}{}:
	default:
	}
}

// Run syncs at once, whenever Trigger is called, and every interval, until
// ctx ends. Failures are logged and tried again at the next turn.
func (r *Reviewer) Run(ctx context.Context, every time.Duration) {
	for {
		if _, err := r.Sync(ctx); err != nil && ctx.Err() == nil {
			r.opts.Log.Error(err, msgSyncFailed)
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-r.trigger:
			t.Stop()
		case <-t.C:
		}
	}
}

// Result says what a sync did.
type Result struct {
	// Planned counts the pull requests whose plan was posted or edited;
	// Current those whose comment was up to date.
	Planned, Current int
}

// Sync plans every open pull request into main whose head or main moved
// since its comment was written, against main as the mirror last fetched
// it. A pull request that fails does not stop the others; the error joins
// every failure. Calls must not overlap ([Reviewer.Run] makes them one
// after the other).
func (r *Reviewer) Sync(ctx context.Context) (Result, error) {
	var res Result
	s := r.opts.Store
	snap, err := s.Snapshot()
	if err != nil {
		return res, err
	}
	mainTip := snap.Get(s.MainRef())
	if mainTip.IsZero() {
		return res, nil // nothing fetched yet
	}
	if r.me == "" {
		if r.me, err = r.opts.Forge.User(ctx); err != nil {
			return res, err
		}
	}
	changes, err := r.opts.Forge.OpenInto(ctx, strings.TrimPrefix(s.MainRef(), "refs/heads/"))
	if err != nil {
		return res, err
	}
	r.forget(changes)
	if len(changes) == 0 {
		return res, nil
	}
	names := make([]string, 0, 2*len(changes))
	for _, ch := range changes {
		names = append(names, ch.Ref, gitstore.BranchRef(ch.Head))
	}
	heads, err := s.FetchRefs(ctx, names...)
	if err != nil {
		return res, err
	}
	var errs []error
	for _, ch := range changes {
		head := headOf(ch, heads)
		if head.IsZero() {
			errs = append(errs, fmt.Errorf("pull request %d: the repository has no %s", ch.Number, ch.Ref))
			continue
		}
		planned, err := r.review(ctx, ch, mainTip, head, snap.Get(s.FerryRef("status")))
		if err != nil {
			errs = append(errs, fmt.Errorf("pull request %d: %w", ch.Number, err))
			continue
		}
		if planned {
			res.Planned++
		} else {
			res.Current++
		}
	}
	return res, errors.Join(errs...)
}

// headOf is the commit a pull request's head is at: the forge's ref of the
// request, or, while the forge has not moved that ref yet after a push,
// the source branch when it is at the commit the forge names.
func headOf(ch forge.Change, heads map[string]gitstore.Hash) gitstore.Hash {
	pull, branch := heads[ch.Ref], heads[gitstore.BranchRef(ch.Head)]
	if ch.HeadSHA != "" && pull.String() != ch.HeadSHA && branch.String() == ch.HeadSHA {
		return branch
	}
	return pull
}

// review brings one pull request's comment and status up to date; planned
// reports whether it wrote anything. The status is set before the comment
// is stamped, so a status the forge refused is set again at the next sync;
// a plan that failed is not stamped either, and is made again after
// RetryFailed.
func (r *Reviewer) review(ctx context.Context, ch forge.Change, base, head, statusTip gitstore.Hash) (bool, error) {
	stamp := fmt.Sprintf("<!-- head %s base %s -->", head, base)
	r.mu.Lock()
	done := r.posted[ch.Number] == stamp || time.Now().Before(r.failed[ch.Number])
	r.mu.Unlock()
	if done {
		return false, nil
	}
	cm, found, err := r.opts.Forge.FindComment(ctx, ch.Number, r.me, Marker)
	if err != nil {
		return false, err
	}
	if found && strings.Contains(cm.Body, stamp) {
		r.remember(ch.Number, stamp)
		return false, nil
	}
	pctx, cancel := context.WithTimeout(ctx, PlanTimeout)
	p, planErr := r.opts.Plan(pctx, base, head, statusTip)
	cancel()
	st := forge.Status{State: forge.StatusSuccess, Context: StatusContext, Description: "the change validates", TargetURL: ch.URL, Ref: ch.Head}
	var body string
	switch {
	case planErr != nil:
		// Fail closed: a change ferry cannot plan is not shown as fine.
		st.State, st.Description = forge.StatusFailure, "ferry could not plan the change"
		body = Marker + "\n" + fmt.Sprintf("ferry could not plan this change (it tries again): %v\n", planErr)
	case !p.Valid():
		st.State, st.Description = forge.StatusFailure, "the change does not validate"
		fallthrough
	default:
		body = Marker + "\n" + stamp + "\n" + p.Markdown()
	}
	if found {
		st.TargetURL = commentURL(ch, cm)
	}
	if err := r.opts.Forge.SetStatus(ctx, head.String(), st); err != nil {
		return false, err
	}
	if found {
		err = r.opts.Forge.EditComment(ctx, ch.Number, cm.ID, body)
	} else {
		_, err = r.opts.Forge.AddComment(ctx, ch.Number, body)
	}
	if err != nil {
		return false, err
	}
	if planErr != nil {
		r.mu.Lock()
		r.failed[ch.Number] = time.Now().Add(r.opts.Retry)
		r.mu.Unlock()
		return true, fmt.Errorf("plan %s: %w", gitstore.ShortSHA(head.String()), planErr)
	}
	r.remember(ch.Number, stamp)
	r.opts.Log.Info(msgPlanned, keyPR, ch.Number, keyValid, st.State == forge.StatusSuccess)
	return true, nil
}

// commentURL links to a comment: its own URL, or on GitLab, whose notes
// carry none, the merge request's with the note's anchor.
func commentURL(ch forge.Change, cm forge.Comment) string {
	if cm.URL != "" {
		return cm.URL
	}
	return fmt.Sprintf("%s#note_%d", ch.URL, cm.ID)
}

func (r *Reviewer) remember(number int, stamp string) {
	r.mu.Lock()
	r.posted[number] = stamp
	delete(r.failed, number)
	r.mu.Unlock()
}

// forget drops what is remembered of pull requests no longer open.
func (r *Reviewer) forget(open []forge.Change) {
	keep := map[int]bool{}
	for _, ch := range open {
		keep[ch.Number] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for n := range r.posted {
		if !keep[n] {
			delete(r.posted, n)
		}
	}
	for n := range r.failed {
		if !keep[n] {
			delete(r.failed, n)
		}
	}
}
