package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/status"
)

func newProblems() *cobra.Command {
	var repo repoFlags
	var out *outputFlag
	cmd := &cobra.Command{
		Use:   "problems [--repo URL]",
		Short: "List open and closed problems with their actions and verdicts, from Git alone",
		Long: `Problems lists the problems on the ferry/status branch, newest first: open,
closed and escalated, with the number of remediation actions taken. -o wide
lists the actions and what came of each; -o json and -o yaml print every
problem with its actions. ferry get problem ID shows one.

Without --repo, ferry reads $FERRY_REPO, else the origin remote of the clone
it runs in.`,
		Example: `  # Problems of the repository of the clone in the current directory
  ferry problems

  # With the actions taken
  ferry problems --repo https://git.example.com/shop/delivery.git -o wide

  # The open ones, as JSON
  ferry problems -o json | jq '.[] | select(.status == "open")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, cleanup, err := readBranch(cmd.Context(), &repo)
			if err != nil {
				return err
			}
			defer cleanup()
			problems := b.Listed()
			for _, c := range b.Corrupt {
				if c.Problem != "" {
					_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "ferry: %v\n", c)
				}
			}
			if out.machine() {
				return printData(cmd.OutOrStdout(), out.value, problems)
			}
			return printProblems(cmd.OutOrStdout(), problems, out.value == outputWide)
		},
	}
	out = bindOutput(cmd, outputHuman, outputWide, outputJSON, outputYAML)
	repo.bindReport(cmd.Flags())
	return cmd
}

// readBranch fetches the repository and reads ferry/status; cleanup closes
// the mirror.
func readBranch(ctx context.Context, repo *repoFlags) (*status.Branch, func(), error) {
	s, snap, cleanup, err := repo.fetchReport(ctx)
	if err != nil {
		return nil, nil, err
	}
	b, err := status.Read(s.Reader, snap.Get(s.FerryRef("status")), nil)
	if err != nil {
		cleanup()
		return nil, nil, &exitError{code: exitFailed, err: err}
	}
	return b, cleanup, nil
}

func printProblems(w io.Writer, problems []status.Problem, wide bool) error {
	if len(problems) == 0 {
		_, err := fmt.Fprintln(w, "no problems recorded")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "ID\tOPENED\tSTAGE\tSERVICE\tPROBLEM\tSTATUS\tACTIONS\tMESSAGE"
	if wide {
		head = "ID\tOPENED\tSTAGE\tSERVICE\tPROBLEM\tSTATUS\tACTIONS\tMESSAGE\tACTIONS TAKEN"
	}
	_, _ = fmt.Fprintln(tw, head)
	for _, p := range problems {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s", p.ID, p.Opened.Format(time.RFC3339), p.Stage, p.Service, p.ProblemType, p.Status, len(p.Actions), dash(oneLine(p.Message)))
		if wide {
			var acts []string
			for _, a := range p.Actions {
				acts = append(acts, actionText(a))
			}
			_, _ = fmt.Fprintf(tw, "\t%s", dash(strings.Join(acts, "; ")))
		}
		_, _ = fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// actionText is a remediation action and what came of it, on one line.
func actionText(a *status.ProblemAction) string {
	t := a.Action
	if a.Change != "" {
		t += " " + a.Change
	}
	result := a.Result
	switch {
	case result == "" && a.Waiting != "":
		result = "waiting for " + string(a.Waiting)
	case result == "":
		result = "in flight"
	case a.Score != nil:
		result += fmt.Sprintf(" %.4g", *a.Score)
	}
	return t + ": " + result
}

func oneLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// newProblemOpen opens a problem by hand, for tools that are not
// Alertmanager: the same as a firing alert.
func newProblemOpen() *cobra.Command {
	var repo repoFlags
	var service, stage, typ, title string
	cmd := &cobra.Command{
		Use:   "open --service S --stage T --type PROBLEM [--repo URL]",
		Short: "Open a problem by hand (as a firing alert would)",
		Long: `Open records an alert report on ferry/status, the same as a firing alert from
Alertmanager: the next pass of ferry run opens the problem and starts the
remediation the stage's remediation file lists for its type.

Without --repo, ferry writes to $FERRY_REPO, else the origin remote of the
clone it runs in.`,
		Example: `  # carts is slow in production
  ferry problem open --service carts --stage production --type response_time_p90 --title "slow checkout"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if service == "" || stage == "" || typ == "" {
				return usageError("--service, --stage and --type are required")
			}
			if err := repo.defaultURL(cmd.Context()); err != nil {
				return err
			}
			s, cleanup, err := repo.openStore()
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			defer cleanup()
			if title == "" {
				title = typ
			}
			rep := &status.Report{Kind: status.ReportAlert, Service: service, Stage: stage, Task: typ, Message: title}
			if err := status.Record(cmd.Context(), s, rep, time.Now()); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "recorded: the next pass of ferry run opens the problem %s for %s in %s\n", typ, service, stage)
			return err
		},
	}
	cmd.Flags().StringVar(&service, "service", "", "service")
	cmd.Flags().StringVar(&stage, "stage", "", "stage")
	cmd.Flags().StringVar(&typ, "type", "", "problem type, as the remediation file lists it")
	cmd.Flags().StringVar(&title, "title", "", "a title")
	repo.bindReport(cmd.Flags())
	return cmd
}

func newProblem() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "problem",
		Short:   "Act on problems",
		Example: `  ferry problem open --service carts --stage production --type response_time_p90`,
	}
	cmd.AddCommand(newProblemOpen())
	return cmd
}
