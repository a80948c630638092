package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
)

func newTrigger() *cobra.Command {
	var repo repoFlags
	var sequence, message string
	cmd := &cobra.Command{
		Use:   "trigger SERVICE --sequence SEQUENCE",
		Short: "Start a sequence for a service by a commit on main",
		Long: `Trigger writes one commit on main that changes no file and carries the
trailers Ferry-Sequence: SEQUENCE and Ferry-Service: SERVICE. ferry run reads
it as a candidate of the service that starts SEQUENCE, in the first stage
that has a sequence of that name, as "keptn trigger delivery --sequence" did.

The repository is --repo, else $FERRY_REPO, else the origin remote of the
clone in the current directory. The service and the sequence are checked
against the project at the tip of --ref before anything is written; the
commit is pushed with the tip it was made on as the expected value, so a
main that moved meanwhile is left as it is (run the command again). The
author is git's (git var GIT_AUTHOR_IDENT), else ferry.

Exit status: 0 written, 1 unknown service or sequence, invalid project or
failed push, 2 usage error.`,
		Example: `  # Deliver carts-db the way the Keptn tutorial does
  ferry trigger carts-db --sequence delivery-direct

  # In another repository, with a reason
  ferry trigger carts --sequence delivery --repo https://git.example.com/shop/delivery.git -m "redeploy after the node pool change"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if sequence == "" {
				return usageError("--sequence is required")
			}
			return trigger(cmd, &repo, args[0], sequence, message)
		},
	}
	cmd.Flags().StringVar(&sequence, "sequence", "", "the sequence to start (required)")
	cmd.Flags().StringVarP(&message, "message", "m", "", "the commit message (default \"Trigger SEQUENCE for SERVICE\")")
	repo.bindReport(cmd.Flags())
	repo.bindSigning(cmd.Flags())
	return cmd
}

func trigger(cmd *cobra.Command, repo *repoFlags, svc, seq, message string) error {
	ctx := cmd.Context()
	s, snap, cleanup, err := repo.fetchReport(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	tip := snap.Get(s.MainRef())
	if tip.IsZero() {
		return &exitError{code: exitFailed, err: fmt.Errorf("%s has no branch %q", s.URL(), repo.ref)}
	}
	stage, err := checkTrigger(s, tip, svc, seq)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if message == "" {
		message = fmt.Sprintf("Trigger %s for %s", seq, svc)
	}
	author := gitAuthor(ctx)
	b := s.Begin(snap)
	h, err := b.Commit(s.MainRef(), gitstore.CommitRequest{
		Message:    message,
		Trailers:   gitstore.FerryTrailers{Service: svc, Sequence: seq}.Trailers(),
		Author:     author,
		Committer:  author,
		AllowEmpty: true,
	})
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if _, err := s.Push(ctx, b); err != nil {
		if gitstore.IsStale(err) {
			err = fmt.Errorf("%w: %s moved meanwhile; nothing was written, run the command again", err, repo.ref)
		}
		return &exitError{code: exitFailed, err: err}
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: %s starts %s in %s\n", gitstore.ShortSHA(h.String()), svc, seq, stage)
	return err
}

// checkTrigger loads the project at tip and returns the stage seq starts in
// for svc, or why it cannot start.
func checkTrigger(s *gitstore.Store, tip gitstore.Hash, svc, seq string) (string, error) {
	p, err := loadProjectAt(s, tip)
	if err != nil {
		return "", err
	}
	if err := projectNames(p).checkService(svc); err != nil {
		return "", err
	}
	stage, _, err := p.StartSequence(svc, seq)
	return stage, err
}

// loadProjectAt loads the project at the commit tip of s.
func loadProjectAt(s *gitstore.Store, tip gitstore.Hash) (*stages.Project, error) {
	files, err := stages.ReadProject(s.Reader, tip)
	if err != nil {
		return nil, err
	}
	p, diags := stages.Load(files)
	if p == nil {
		return nil, fmt.Errorf("the project at %s is invalid:\n%w", gitstore.ShortSHA(tip.String()), diags.Errors())
	}
	return p, nil
}

// gitAuthor returns git's author identity, else ferry's.
func gitAuthor(ctx context.Context) object.Signature {
	out, err := exec.CommandContext(ctx, "git", "var", "GIT_AUTHOR_IDENT").Output()
	if err != nil {
		return gitstore.DefaultSignature
	}
	name, rest, ok := strings.Cut(strings.TrimSpace(string(out)), " <")
	email, _, ok2 := strings.Cut(rest, ">")
	if !ok || !ok2 || name == "" || email == "" {
		return gitstore.DefaultSignature
	}
	return object.Signature{Name: name, Email: email}
}
