package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/status"
)

func newProblems() *cobra.Command {
	var repo repoFlags
	var output string
	cmd := &cobra.Command{
		Use:   "problems --repo URL",
		Short: "List open and closed problems with their actions and verdicts, from Git alone",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, snap, cleanup, err := repo.fetchReport(cmd.Context(), output)
			if err != nil {
				return err
			}
			defer cleanup()
			var problems []status.Problem
			b, err := status.Read(s.Reader, snap.Get(s.FerryRef("status")), nil)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			for _, p := range b.Problems {
				problems = append(problems, *p)
			}
			for _, c := range b.Corrupt {
				if c.Problem != "" {
					_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "ferry: %v\n", c)
				}
			}
			sort.Slice(problems, func(i, j int) bool { return problems[i].Opened.After(problems[j].Opened) })
			if output == outputJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if problems == nil {
					problems = []status.Problem{}
				}
				return enc.Encode(problems)
			}
			return printProblems(cmd.OutOrStdout(), problems)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", outputHuman, "output format: human or json")
	repo.bind(cmd.Flags())
	return cmd
}

func printProblems(w io.Writer, problems []status.Problem) error {
	if len(problems) == 0 {
		_, err := fmt.Fprintln(w, "no problems recorded")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "OPENED\tSTAGE\tSERVICE\tPROBLEM\tSTATUS\tACTIONS\tMESSAGE")
	for _, p := range problems {
		var acts []string
		for _, a := range p.Actions {
			acts = append(acts, fmt.Sprintf("%s %s: %s", a.Action, a.Change, dash(a.Result)))
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Opened.Format(time.RFC3339), p.Stage, p.Service, p.ProblemType, p.Status, dash(strings.Join(acts, "; ")), dash(p.Message))
	}
	return tw.Flush()
}

// newProblemOpen opens a problem by hand, for tools that are not
// Alertmanager: the same as a firing alert.
func newProblemOpen() *cobra.Command {
	var repo repoFlags
	var service, stage, typ, title string
	cmd := &cobra.Command{
		Use:   "open --repo URL --service S --stage T --type PROBLEM",
		Short: "Open a problem by hand (as a firing alert would)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if repo.opts.URL == "" || service == "" || stage == "" || typ == "" {
				return usageError("--repo, --service, --stage and --type are required")
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
	repo.bind(cmd.Flags())
	return cmd
}

func newProblem() *cobra.Command {
	cmd := &cobra.Command{Use: "problem", Short: "Act on problems"}
	cmd.AddCommand(newProblemOpen())
	return cmd
}
