package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/status"
)

// maxApproveSearch bounds the walk that checks that a proposal is built on
// its stage branch's tip.
const maxApproveSearch = 1000

// decision is what approve and reject share: the repository, the forge
// when one is given, and the proposal they act on.
type decision struct {
	repo  repoFlags
	forge forge.Options
}

func (d *decision) bind(cmd *cobra.Command, forgeUsage string) {
	d.repo.bindReport(cmd.Flags())
	d.repo.bindSigning(cmd.Flags())
	bindForge(cmd.Flags(), &d.forge, forgeUsage)
}

// load fetches the repository and reads the proposal of svc in stage.
func (d *decision) load(ctx context.Context, stage, svc string) (*gitstore.Store, gitstore.Snapshot, *proposal, func(), error) {
	s, snap, cleanup, err := d.repo.fetchReport(ctx)
	if err != nil {
		return nil, gitstore.Snapshot{}, nil, nil, &exitError{code: exitFailed, err: err}
	}
	var st *status.Branch
	if tip := snap.Get(s.FerryRef("status")); !tip.IsZero() {
		if st, err = status.Read(s.Reader, tip, nil); err != nil {
			cleanup()
			return nil, gitstore.Snapshot{}, nil, nil, &exitError{code: exitFailed, err: fmt.Errorf("read ferry/status: %w", err)}
		}
	}
	p, err := readProposal(s, snap, st, stage, svc)
	if err != nil {
		cleanup()
		return nil, gitstore.Snapshot{}, nil, nil, &exitError{code: exitFailed, err: err}
	}
	return s, snap, p, cleanup, nil
}

// pullRequest returns the forge client, who its token acts as, and the
// number of the proposal's open pull request (0 when none is open).
func (d *decision) pullRequest(ctx context.Context, p *proposal) (*forge.Client, string, int, error) {
	c, err := forge.New(d.forge)
	if err != nil {
		return nil, "", 0, usageError("%v", err)
	}
	who, err := c.User(ctx)
	if err != nil {
		return nil, "", 0, &exitError{code: exitFailed, err: err}
	}
	if p.PullRequestNumber != 0 {
		return c, who, p.PullRequestNumber, nil
	}
	pr, ok, err := c.Find(ctx, p.Branch, strings.TrimPrefix(p.base, "refs/heads/"))
	if err != nil || !ok {
		return c, who, 0, err
	}
	p.PullRequest = pr.URL
	return c, who, pr.Number, nil
}

func newApprove() *cobra.Command {
	var d decision
	cmd := &cobra.Command{
		Use:   "approve STAGE SERVICE",
		Short: "Approve a promotion: merge its proposal into the stage branch",
		Long: `Approve merges the proposal ferry/proposals/STAGE/SERVICE into the stage
branch, which is how ferry reads an approval: the proposal's commit, with its
Ferry-Run trailer, reaches the stage branch.

With --forge, the proposal's pull request is merged on the forge (a merge
commit) as the account of --forge-token-file. Without, ferry writes the merge
commit itself, as git's author (git var GIT_AUTHOR_IDENT), and pushes it with
the stage branch's tip as the expected value: a stage branch that moved
meanwhile is left as it is, and a proposal not yet rebuilt on the stage
branch's tip is refused (ferry rebuilds it on its next pass; run the command
again then). Either way the next pass of ferry run records the approver.

Exit status: 0 merged, 1 no proposal, no open pull request, or the merge or
push failed, 2 usage error.`,
		Example: `  ferry approve production carts
  ferry approve production carts --forge github --forge-api https://api.github.com \
    --forge-repo shop/delivery --forge-token-file ~/.config/ferry/github-token`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return d.approve(cmd, args[0], args[1])
		},
	}
	d.bind(cmd, "merge the pull request on this forge (github, gitlab or gitea) instead of pushing a merge commit")
	return cmd
}

func (d *decision) approve(cmd *cobra.Command, stage, svc string) error {
	ctx := cmd.Context()
	s, snap, p, cleanup, err := d.load(ctx, stage, svc)
	if err != nil {
		return err
	}
	defer cleanup()
	what := svc + " " + orCandidate(p) + " in " + stage
	if d.forge.Kind != "" {
		c, who, n, err := d.pullRequest(ctx, p)
		if err != nil {
			return err
		}
		if n == 0 {
			return &exitError{code: exitFailed, err: fmt.Errorf("no pull request is open for %s on %s: open one, or approve without --forge", p.Branch, d.forge.Kind)}
		}
		if err := c.Merge(ctx, n, fmt.Sprintf("Approve %s", what)); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "approved %s: merged %s on %s as %s\n", what, dash(p.PullRequest), d.forge.Kind, who)
		return err
	}
	stageTip := snap.Get(p.base)
	if ok, err := s.IsAncestor(stageTip, p.tip, gitstore.LogOptions{Limit: maxApproveSearch}); err != nil || !ok && !stageTip.IsZero() {
		if err == nil {
			err = fmt.Errorf("%s moved since %s was built: ferry rebuilds the proposal on its next pass; run the command again then", strings.TrimPrefix(p.base, "refs/heads/"), p.Branch)
		}
		return &exitError{code: exitFailed, err: err}
	}
	author := gitAuthor(ctx)
	b := s.Begin(snap)
	var h gitstore.Hash
	if stageTip.IsZero() {
		b.SetRef(p.base, p.tip) // the stage's first commit comes with its approval
		h = p.tip
	} else if h, err = b.Merge(p.base, p.tip, gitstore.CommitRequest{
		Message:   fmt.Sprintf("Merge %s into %s\n\nApprove %s.", p.Branch, strings.TrimPrefix(p.base, "refs/heads/"), what),
		Author:    author,
		Committer: author,
	}); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if err := pushDecision(ctx, s, b, p.base); err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "approved %s: merged %s into %s (%s) as %s\n", what, p.Branch,
		strings.TrimPrefix(p.base, "refs/heads/"), gitstore.ShortSHA(h.String()), identity(author))
	return err
}

func newReject() *cobra.Command {
	var d decision
	var reason string
	cmd := &cobra.Command{
		Use:   "reject STAGE SERVICE [--reason TEXT]",
		Short: "Reject a promotion: close its pull request and delete its proposal",
		Long: `Reject deletes the proposal branch ferry/proposals/STAGE/SERVICE, which ferry
reads as a rejection: the run fails with "not approved" on its next pass. The
branch is deleted with its tip as the expected value, so a proposal that
moved meanwhile is left as it is (run the command again).

With --forge, the proposal's pull request is closed first, as the account
of --forge-token-file, with the reason as a comment. The reason and who
rejected (git's author, or the forge account) are appended to the
candidate's note on main (git log --notes=ferry main).

Exit status: 0 rejected, 1 no proposal, or the forge or the push failed,
2 usage error.`,
		Example: `  ferry reject production carts --reason "not during the sale"`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return d.reject(cmd, args[0], args[1], reason)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the promotion is rejected")
	d.bind(cmd, "close the pull request on this forge (github, gitlab or gitea) too")
	return cmd
}

func (d *decision) reject(cmd *cobra.Command, stage, svc, reason string) error {
	ctx := cmd.Context()
	s, snap, p, cleanup, err := d.load(ctx, stage, svc)
	if err != nil {
		return err
	}
	defer cleanup()
	what := svc + " " + orCandidate(p) + " in " + stage
	who := identity(gitAuthor(ctx))
	closed := ""
	if d.forge.Kind != "" {
		c, login, n, err := d.pullRequest(ctx, p)
		if err != nil {
			return err
		}
		who = login + " on " + d.forge.Kind
		if n != 0 {
			if reason != "" {
				if err := c.Comment(ctx, n, "Rejected with ferry reject: "+reason); err != nil {
					return &exitError{code: exitFailed, err: err}
				}
			}
			if _, err := c.Close(ctx, n); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			closed = ", closed " + dash(p.PullRequest)
		}
	}
	b := s.Begin(snap)
	b.SetRef(p.ref, gitstore.ZeroHash)
	if p.Candidate != "" {
		line := fmt.Sprintf("%s %s: %s rejected by %s", time.Now().UTC().Format(time.RFC3339), stage, svc, who)
		if reason != "" {
			line += ": " + reason
		}
		if err := b.AppendNote(gitstore.NewHash(p.Candidate), []byte(line+"\n")); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
	}
	if err := pushDecision(ctx, s, b, p.ref); err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "rejected %s: deleted %s%s as %s\n", what, p.Branch, closed, who)
	return err
}

// pushDecision pushes b, the refs' tips as fetched being the expected
// values.
func pushDecision(ctx context.Context, s *gitstore.Store, b *gitstore.Batch, ref string) error {
	if _, err := s.Push(ctx, b); err != nil {
		if gitstore.IsStale(err) {
			err = fmt.Errorf("%w: %s or ferry's notes moved meanwhile; nothing was written, run the command again", err, strings.TrimPrefix(ref, "refs/heads/"))
		}
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}

// orCandidate names what a proposal delivers: its pins, else its
// candidate commit.
func orCandidate(p *proposal) string {
	if p.Pin != "" {
		return p.Pin
	}
	return gitstore.ShortSHA(p.Candidate)
}

func identity(sig object.Signature) string { return fmt.Sprintf("%s <%s>", sig.Name, sig.Email) }
