package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/history"
)

func newHistory() *cobra.Command {
	var repo repoFlags
	var stage, commit string
	var limit int
	var out *outputFlag
	cmd := &cobra.Command{
		Use:   "history SERVICE [--repo URL]",
		Short: "Show what ran where: a service's deployments, rollbacks and verdicts, from Git alone",
		Long: `History reads the stage branches' commits (their Ferry-* trailers) and the
evaluation records in their notes: what ran in each stage, when, from which
main commit, and which gate let it through. No running ferry is needed.

--commit shows only the transitions of one commit: a stage commit, or the
main commit a candidate was built from. It takes a unique prefix of 4 or more
hex digits, resolved among the commits of main, the stage branches and
ferry's branches (up to 20000 of them).

--limit counts transitions, not commits: the newest N transitions of the
service are shown, however many commits of other services lie between them.
Each stage branch is walked back at most 20000 commits.

Without --repo, ferry reads $FERRY_REPO, else the origin remote of the clone
it runs in.`,
		Example: `  # carts in every stage
  ferry history carts

  # Only production, as YAML
  ferry history carts --stage production -o yaml

  # Where did main commit 3f2c1a go?
  ferry history carts --commit 3f2c1a`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, snap, cleanup, err := repo.fetchReport(cmd.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			known, err := repositoryNames(s, snap)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if err := known.checkService(args[0]); err != nil {
				return err
			}
			if stage != "" {
				if err := known.checkStage(stage); err != nil {
					return err
				}
			}
			entries, err := history.Read(s, snap, history.Options{Service: args[0], Stage: stage, Limit: limit})
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if commit != "" {
				h, err := resolveCommit(s, snap, commit)
				if err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				entries = history.Of(entries, h.String())
			}
			if out.machine() {
				return printData(cmd.OutOrStdout(), out.value, entries)
			}
			return printHistory(cmd.OutOrStdout(), entries)
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "only this stage")
	cmd.Flags().StringVar(&commit, "commit", "", "only the transitions of this stage or main commit: "+commitHelp)
	cmd.Flags().IntVar(&limit, "limit", history.DefaultLimit, "transitions to show, the newest first (each stage branch is walked back at most "+strconv.Itoa(history.DefaultMaxWalk)+" commits)")
	out = bindOutput(cmd, outputHuman, outputJSON, outputYAML)
	repo.bindReport(cmd.Flags())
	return cmd
}

func printHistory(w io.Writer, entries []history.Entry) error {
	if len(entries) == 0 {
		_, err := fmt.Fprintln(w, "no transitions recorded for this service")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "TIME\tSTAGE\tCOMMIT\tTASK\tRUN\tVERDICT\tCHANGE")
	for _, e := range entries {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Format(time.RFC3339), e.Stage, e.Commit[:7], dash(e.Task), dash(e.Run), dash(e.Verdict), e.Subject)
	}
	return tw.Flush()
}
