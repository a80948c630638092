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
the head first. --base and --head take a branch name, a full ref
(refs/heads/<name>, or a pull request's refs/pull/<n>/head on GitHub and
Gitea, refs/merge-requests/<n>/head on GitLab: a fork's pull request is
planned from the base repository), or a commit: its full SHA (a commit
of a ref fetched before) or ` + commitHelp + `. --base defaults to main;
--head to the clone's current branch. When the head does not descend from the base, the
plan is made against their merge base, as a forge diffs a pull request.

-o markdown prints the plan as a pull-request comment; -o json and -o yaml
print it as data.

Exit status: 0 plan made and the head valid, 1 the head does not validate
(or the repository cannot be read), 2 usage error.`,
		Example: `  # In a clone: the current branch against main
  ferry plan

  # Two branches of a repository, as a pull-request comment
  ferry plan --repo https://git.example.com/shop/delivery.git --base main --head tighten-slo -o markdown

  # Pull request 7 (from a fork too) against main, replaying 20 evaluations per stage
  ferry plan --head refs/pull/7/head --history 20 -o json`,
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
	fs.StringVar(&f.base, "base", gitstore.DefaultBranch, "what the change merges into: a branch, a full ref or a commit")
	fs.StringVar(&f.head, "head", "", "the change: a branch, a full ref (refs/pull/7/head) or a commit (default: the clone's current branch)")
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

// compute fetches the base's branch with ferry's branches into the cached
// mirror, brings the head (and a base given as another ref) into the same
// mirror, and plans.
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
	r := f.repo
	if ref, isRef := planRef(f.base); isRef {
		if name, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
			r.ref = name
		}
	}
	s, snap, cleanup, err := r.fetchMirror(ctx)
	if err != nil {
		return nil, &exitError{code: exitFailed, err: err}
	}
	defer cleanup()
	baseTip, err := resolvePlanRef(ctx, s, snap, "--base", f.base)
	if err != nil {
		return nil, err
	}
	head, err := resolvePlanRef(ctx, s, snap, "--head", f.head)
	if err != nil {
		return nil, err
	}
	if defaulted {
		warnUnpushed(ctx, stderr, f.head, head)
	}
	p, err := plan.Compute(ctx, s, baseTip, head, snap.Get(s.FerryRef("status")), plan.Options{History: f.history})
	if err != nil {
		return nil, &exitError{code: exitFailed, err: err}
	}
	return p, nil
}

// planRef tells a ref from a commit: a full ref name (refs/heads/x,
// refs/pull/7/head, refs/merge-requests/7/head) is itself, a commit (4 to
// 40 hex digits) is not a ref, and any other name is a branch.
func planRef(ref string) (string, bool) {
	if strings.HasPrefix(ref, "refs/") {
		return ref, true
	}
	p := strings.ToLower(ref)
	if len(p) >= minCommitPrefix && len(p) <= 40 && strings.Trim(p, "0123456789abcdef") == "" {
		return "", false
	}
	return gitstore.BranchRef(ref), true
}

// resolvePlanRef resolves --base or --head in the mirror s, fetched as
// snap: a ref ferry tracks is read from snap, any other is fetched from
// the remote into s (a feature branch, a fork's pull request); a commit is
// resolved among the mirror's commits. An unknown ref or commit is a usage
// error, a failed fetch a failure.
func resolvePlanRef(ctx context.Context, s *gitstore.Store, snap gitstore.Snapshot, flag, ref string) (gitstore.Hash, error) {
	full, isRef := planRef(ref)
	if !isRef {
		h, err := resolveCommit(s, snap, ref)
		if err != nil {
			return gitstore.ZeroHash, usageError("%s: %w (a commit on another branch: give its branch or ref, or its full SHA once fetched)", flag, err)
		}
		return h, nil
	}
	if tip := snap.Get(full); !tip.IsZero() {
		return tip, nil
	}
	got, err := s.FetchRefs(ctx, full)
	if err != nil {
		return gitstore.ZeroHash, &exitError{code: exitFailed, err: fmt.Errorf("%s %s: %w", flag, ref, err)}
	}
	if tip, ok := got[full]; ok {
		return tip, nil
	}
	return gitstore.ZeroHash, usageError("%s: %s has no ref %s", flag, s.URL(), full)
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
