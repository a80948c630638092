package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/plan"
)

// outputMarkdown is plan's -o markdown: a pull-request comment.
const outputMarkdown = "markdown"

type planFlags struct {
	repo       repoFlags
	base, head string
	history    int
	output     *outputFlag
}

func newPlan() *cobra.Command {
	f := &planFlags{}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Say what merging a change into main will do: validation, candidates, manifests, what-if, shipyard changes",
		Long: `Plan reads two commits of the repository and says what merging the head into
the base will do, from Git alone: whether the head validates (every
diagnostic, as ferry validate), the candidates it creates (which services,
the sequence each starts, the stages it passes and where an approval or a
hold stops it), the change of the rendered manifests per stage and service
(a unified diff, summarised by object), a what-if that replays the last
--history recorded evaluations of each stage whose SLO or SLIs changed with
the head's files (offline: nothing queries Prometheus), and the shipyard,
hold and ferry.yaml changes in words.

The repository is --repo, else $FERRY_REPO, else the origin remote of the
clone in the current directory; the plan reads what the remote has, so push
the head first. --base and --head take a branch name, refs/heads/<name>, or
a commit SHA (` + commitHelp + `). --base defaults to main; --head to the
clone's current branch. When the head does not descend from the base, the
plan is made against their merge base, as a forge diffs a pull request.

-o markdown prints the plan as a pull-request comment; -o json and -o yaml
print it as data.

Exit status: 0 plan made and the head valid, 1 the head does not validate
(or the repository cannot be read), 2 usage error.`,
		Example: `  # In a clone: the current branch against main
  ferry plan

  # Two branches of a repository, as a pull-request comment
  ferry plan --repo https://git.example.com/shop/delivery.git --base main --head tighten-slo -o markdown

  # A commit against main, replaying 20 evaluations per stage
  ferry plan --head 3f2c1a0b --history 20 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := f.compute(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if err := f.print(cmd.OutOrStdout(), p); err != nil {
				return err
			}
			if !p.Valid() {
				return &exitError{code: exitFailed}
			}
			return nil
		},
	}
	f.output = bindOutput(cmd, outputHuman, outputJSON, outputYAML, outputMarkdown)
	fs := cmd.Flags()
	fs.StringVar(&f.base, "base", gitstore.DefaultBranch, "what the change merges into: a branch, refs/heads/<branch> or a commit")
	fs.StringVar(&f.head, "head", "", "the change: a branch, refs/heads/<branch> or a commit (default: the clone's current branch)")
	fs.IntVar(&f.history, "history", plan.DefaultHistory, "recorded evaluations replayed per stage and service")
	f.repo.bindReport(fs)
	_ = fs.MarkHidden("ref") // --base names the branch
	return cmd
}

func (f *planFlags) print(w io.Writer, p *plan.Plan) error {
	switch f.output.value {
	case outputJSON, outputYAML:
		return printData(w, f.output.value, p)
	case outputMarkdown:
		_, err := io.WriteString(w, p.Markdown())
		return err
	}
	return p.Text(w)
}

// compute fetches the head's branch, then the base's with ferry's
// branches, into the cached mirror, and plans.
func (f *planFlags) compute(ctx context.Context, stderr io.Writer) (*plan.Plan, error) {
	if f.history <= 0 {
		return nil, usageError("--history %d: must be at least 1", f.history)
	}
	if err := f.repo.defaultURL(ctx); err != nil {
		return nil, err
	}
	defaulted := f.head == ""
	if defaulted {
		f.head = currentBranch(ctx)
		if f.head == "" {
			return nil, usageError("--head is required outside a clone with a current branch")
		}
	}
	var head gitstore.Hash
	if name, ok := branchName(f.head); ok {
		tip, err := f.branchTip(ctx, name)
		if err != nil {
			return nil, err
		}
		head = tip
		if defaulted {
			warnUnpushed(ctx, stderr, name, tip)
		}
	}
	base := f.repo
	if name, ok := branchName(f.base); ok {
		base.ref = name
	}
	s, snap, cleanup, err := base.fetchMirror(ctx)
	if err != nil {
		return nil, &exitError{code: exitFailed, err: err}
	}
	defer cleanup()
	baseTip, err := resolvePlanRef(s, snap, f.base)
	if err != nil {
		return nil, usageError("--base: %w", err)
	}
	if head.IsZero() {
		if head, err = resolvePlanRef(s, snap, f.head); err != nil {
			return nil, usageError("--head: %w", err)
		}
	}
	p, err := plan.Compute(ctx, s, baseTip, head, snap.Get(s.FerryRef("status")), plan.Options{History: f.history})
	if err != nil {
		return nil, &exitError{code: exitFailed, err: err}
	}
	return p, nil
}

// branchTip fetches a branch into the cached mirror (as its input branch)
// and returns its tip.
func (f *planFlags) branchTip(ctx context.Context, name string) (gitstore.Hash, error) {
	r := f.repo
	r.ref = name
	s, snap, cleanup, err := r.fetchMirror(ctx)
	if err != nil {
		return gitstore.ZeroHash, &exitError{code: exitFailed, err: err}
	}
	defer cleanup()
	tip := snap.Get(s.MainRef())
	if tip.IsZero() {
		return gitstore.ZeroHash, usageError("--head: %s has no branch %q", s.URL(), name)
	}
	return tip, nil
}

// branchName tells a branch (a name, or refs/heads/<name>) from a commit
// (4 to 40 hex digits).
func branchName(ref string) (string, bool) {
	if name, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return name, true
	}
	p := strings.ToLower(ref)
	if len(p) >= minCommitPrefix && len(p) <= 40 && strings.Trim(p, "0123456789abcdef") == "" {
		return "", false
	}
	return ref, true
}

// resolvePlanRef resolves --base or --head in the mirror: a branch
// (fetched as the input branch, or a stage or ferry branch), else a commit.
func resolvePlanRef(s *gitstore.Store, snap gitstore.Snapshot, ref string) (gitstore.Hash, error) {
	if name, ok := branchName(ref); ok {
		if tip := snap.Get(gitstore.BranchRef(name)); !tip.IsZero() {
			return tip, nil
		}
		return gitstore.ZeroHash, fmt.Errorf("%s has no branch %q", s.URL(), name)
	}
	return resolveCommit(s, snap, ref)
}

// currentBranch is the branch checked out in the clone in the current
// directory, "" when there is none (no clone, or a detached HEAD).
func currentBranch(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "git", "symbolic-ref", "--quiet", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// warnUnpushed says when the clone's branch is not what the remote has:
// the plan is the remote's.
func warnUnpushed(ctx context.Context, stderr io.Writer, branch string, remote gitstore.Hash) {
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "--verify", "--quiet", "refs/heads/"+branch).Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) || len(out) == 0 {
		return
	}
	if local := strings.TrimSpace(string(out)); local != remote.String() {
		_, _ = fmt.Fprintf(stderr, "ferry: the clone's %s is at %s, the remote's at %s: planning the remote's (push to plan yours)\n",
			branch, gitstore.ShortSHA(local), gitstore.ShortSHA(remote.String()))
	}
}
