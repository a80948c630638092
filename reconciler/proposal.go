package reconciler

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// PullRequests opens and reads pull requests on the repository's forge.
type PullRequests interface {
	Open(ctx context.Context, r forge.Request) (forge.PullRequest, error)
	Get(ctx context.Context, number int) (forge.PullRequest, error)
}

var _ PullRequests = (*forge.Client)(nil)

// pullRequest opens the pull request of a waiting proposal once its branch
// is on the remote, and reads its state afterwards. A closed request is a
// rejection.
// Forge failures never fail the run: they are logged and retried.
func (p *pass) pullRequest(ctx context.Context, slot *status.Slot, run *status.Run, proposal, stageRef string) (rejected bool) {
	prs := p.opts.PullRequests
	if prs == nil {
		return false
	}
	if run.PullRequest == 0 {
		if p.in.snap.Get(proposal).IsZero() {
			return false // pushed by this pass: open the request in the next
		}
		body := p.proposalBody(slot, run, proposal, stageRef)
		pr, err := prs.Open(ctx, forge.Request{
			Head: strings.TrimPrefix(proposal, "refs/heads/"), Base: strings.TrimPrefix(stageRef, "refs/heads/"),
			Title: fmt.Sprintf("Promote %s %s to %s", slot.Service, pinOrCommit(run), slot.Stage), Body: body,
		})
		if err != nil {
			p.forgeFailed(ctx, slot, run, fmt.Errorf("open pull request: %w", err))
			return false
		}
		run.PullRequest, run.PullRequestURL = pr.Number, pr.URL
		p.transitions++
		p.wake(p.in.now.Add(retryForge))
		p.progress(run.Candidate, fmt.Sprintf("%s: pull request for %s: %s", slot.Stage, slot.Service, pr.URL))
		return false
	}
	pr, err := prs.Get(ctx, run.PullRequest)
	if err != nil {
		p.forgeFailed(ctx, slot, run, fmt.Errorf("read pull request %d: %w", run.PullRequest, err))
		return false
	}
	if pr.State == forge.StateMerged && pr.MergedBy != "" {
		run.Approver = pr.MergedBy
	}
	// A review happens on the forge, outside Git: look again in a while.
	p.wake(p.in.now.Add(retryForge))
	return pr.State == forge.StateClosed
}

// proposalBody is what a reviewer needs: the versions, the gate's verdict
// with its objectives, the manifests' change, and where the record is.
func (p *pass) proposalBody(slot *status.Slot, run *status.Run, proposal, stageRef string) string {
	var b strings.Builder
	before := "nothing yet"
	if slot.Released != nil {
		before = "`" + slot.Released.Pin + "`"
	}
	fmt.Fprintf(&b, "ferry proposes **%s** for **%s** in **%s** (run %s).\n\n", pinOrCommit(run), slot.Service, slot.Stage, run.ID)
	fmt.Fprintf(&b, "| | |\n|---|---|\n| before | %s |\n| after | `%s` |\n| candidate | %s |\n", before, pinOrCommit(run), short(run.Candidate))
	if run.TriggeredBy != "" {
		fmt.Fprintf(&b, "| gate | %s: %s |\n", run.TriggeredBy, run.Gate)
	}
	if rec := p.gateRecord(slot, run); rec != nil {
		fmt.Fprintf(&b, "\n### Quality gate: %s, score %s\n\n| objective | value | status | points |\n|---|---|---|---|\n", rec.Result, evaluator.FormatScore(rec.Score))
		for _, o := range rec.Objectives {
			value := "–"
			if o.Value != nil {
				value = evaluator.FormatScore(*o.Value)
			} else if o.Error != "" {
				value = o.Error
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s/%d |\n", o.SLI, value, o.Status, evaluator.FormatScore(o.Points), o.Weight)
		}
		fmt.Fprintf(&b, "\nThe evaluation record is the note on %s: `git notes --ref=ferry show %s`.\n", short(rec.Commit), rec.Commit)
	}
	added, removed := p.manifestChange(slot.Service, stageRef, proposal)
	fmt.Fprintf(&b, "\n### Manifests\n\n`services/%s/manifests.yaml`: %d line(s) added, %d removed.\n", slot.Service, added, removed)
	fmt.Fprintf(&b, "\nMerge this request to approve; close it to reject.\n")
	return b.String()
}

// gateRecord finds the evaluation record of the run that triggered this one.
func (p *pass) gateRecord(slot *status.Slot, run *status.Run) *evaluator.Record {
	stage, rest, ok := strings.Cut(run.TriggeredBy, ".")
	if !ok {
		return nil
	}
	_, id, _ := strings.Cut(rest, " ")
	records, err := evaluator.History(p.batch.Reader, p.batch.Tip(p.statusRef), stage, slot.Service, 20)
	if err != nil {
		return nil
	}
	for _, r := range records {
		if r.Run == id {
			return r
		}
	}
	return nil
}

// manifestChange counts the lines of a service's manifests that differ
// between two refs.
func (p *pass) manifestChange(svc, from, to string) (added, removed int) {
	file := path.Join(stages.ServicesDir, svc, "manifests.yaml")
	read := func(ref string) map[string]int {
		lines := map[string]int{}
		tip := p.batch.Tip(ref)
		if tip.IsZero() {
			return lines
		}
		data, err := p.batch.ReadFile(tip, file)
		if err != nil {
			return lines
		}
		for _, l := range strings.Split(string(data), "\n") {
			lines[l]++
		}
		return lines
	}
	a, b := read(from), read(to)
	for l, n := range b {
		if d := n - a[l]; d > 0 {
			added += d
		}
	}
	for l, n := range a {
		if d := n - b[l]; d > 0 {
			removed += d
		}
	}
	return added, removed
}

// forgeFailed logs a failed forge call where it is handled and retries it
// in a while: forge failures never fail a run.
func (p *pass) forgeFailed(ctx context.Context, slot *status.Slot, run *status.Run, err error) {
	retry := p.in.now.Add(retryForge)
	logr.FromContextOrDiscard(ctx).Error(err, msgForgeFailed, keyStage, slot.Stage, keyService, slot.Service, keyRun, run.ID, keyRetryIn, retryForge.String())
	p.wake(retry)
}
