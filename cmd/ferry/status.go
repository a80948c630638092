package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/status"
)

func newStatus() *cobra.Command {
	var repo repoFlags
	var output string
	cmd := &cobra.Command{
		Use:   "status --repo URL",
		Short: "Show what each stage runs, what is in flight and what it waits for, from the repository alone",
		Long: `Status reads status.json from the ferry/status branch of the repository: no
running ferry is needed. Stages are listed in the shipyard's order; for each
service: the version the stage branch runs, the run in flight and what it
waits for (with what a person must do), the last run, holds and open
problems. -o json prints status.json as is.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, snap, cleanup, err := repo.fetchReport(cmd.Context(), output)
			if err != nil {
				return err
			}
			defer cleanup()
			tip := snap.Get(s.FerryRef("status"))
			if tip.IsZero() {
				return &exitError{code: exitFailed, err: fmt.Errorf("%s has no %s branch yet: ferry has not run", s.URL(), s.FerryRef("status"))}
			}
			data, err := s.ReadFile(tip, status.JSONFile)
			if err != nil {
				return &exitError{code: exitFailed, err: fmt.Errorf("read %s: %w", status.JSONFile, err)}
			}
			if output == outputJSON {
				_, err = cmd.OutOrStdout().Write(data)
				return err
			}
			sum, err := status.ParseSummary(data)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			return printStatus(cmd.OutOrStdout(), sum)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", outputHuman, "output format: human or json")
	repo.bind(cmd.Flags())
	return cmd
}

// printStatus prints the summary as STATUS.md shows it: per stage in
// shipyard order, deployed version, in flight and what it waits for, holds
// and open problems.
func printStatus(w io.Writer, s *status.Summary) error {
	for _, c := range s.Conditions {
		if c.Type == "Stalled" && c.Status == "True" {
			_, _ = fmt.Fprintf(w, "stalled (%s): %s\n\n", c.Reason, strings.ReplaceAll(c.Message, "\n", "\n  "))
		}
	}
	for _, c := range s.Corrupt {
		_, _ = fmt.Fprintf(w, "stalled (CorruptStatus): %s does not parse: %s\n\n", c.File, c.Err)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "STAGE\tSERVICE\tDEPLOYED\tVERDICT\tIN FLIGHT\tWAITING FOR\tLAST")
	for _, st := range s.Stages {
		for _, ss := range st.Services {
			_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", st.Name, ss.Name, deployedCell(ss), verdictCell(ss), inFlightCell(ss), waitingCell(ss), lastCell(ss))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, st := range s.Stages {
		if h := st.Hold; h != nil {
			_, _ = fmt.Fprintf(w, "\n%s is held: %s (%s, by %s)", st.Name, h.Reason, h.File, dash(h.By))
			if !h.Until.IsZero() {
				_, _ = fmt.Fprintf(w, " until %s", h.Until.Format(time.RFC3339))
			}
			_, _ = fmt.Fprintln(w)
		}
		for _, ss := range st.Services {
			for _, p := range ss.Problems {
				_, _ = fmt.Fprintf(w, "\nproblem %s (%s) in %s for %s: %s\n", p.ID, p.Type, st.Name, ss.Name, p.Doing)
			}
		}
	}
	_, err := fmt.Fprintf(w, "\nupdated %s\n", s.Updated.Format(time.RFC3339))
	return err
}

func deployedCell(ss status.ServiceSummary) string {
	d := ss.Deployed
	if d == nil {
		return "-"
	}
	v := d.Pin
	if v == "" {
		v = shortSHA(d.Candidate)
	}
	if d.RolledBack {
		v += " (rolled back)"
	}
	return v
}

func verdictCell(ss status.ServiceSummary) string {
	d := ss.Deployed
	if d == nil || d.Verdict == "" {
		return "-"
	}
	if d.Score != nil {
		return fmt.Sprintf("%s %.4g", d.Verdict, *d.Score)
	}
	return d.Verdict
}

func inFlightCell(ss status.ServiceSummary) string {
	f := ss.InFlight
	if f == nil {
		if ss.Queued > 0 {
			return fmt.Sprintf("%d queued", ss.Queued)
		}
		return "-"
	}
	v := f.Pin
	if v == "" {
		v = shortSHA(f.Candidate)
	}
	what := f.Task
	if f.Phase == status.PhaseHeld || f.Phase == status.PhaseQueued || what == "" {
		what = string(f.Phase)
	}
	return fmt.Sprintf("%s %s %s: %s", f.Run, v, f.Sequence, what)
}

func waitingCell(ss status.ServiceSummary) string {
	if len(ss.Conditions) > 0 && ss.Conditions[0].Reason == status.ReasonCorruptStatus {
		return "stalled: " + ss.Conditions[0].Message
	}
	f := ss.InFlight
	if f == nil || f.WaitingFor == "" {
		return "-"
	}
	if f.Action != "" {
		return f.WaitingFor + ": " + f.Action
	}
	return f.WaitingFor
}

func lastCell(ss status.ServiceSummary) string {
	l := ss.Last
	if l == nil {
		return "-"
	}
	v := fmt.Sprintf("%s %s", l.Run, l.Result)
	if l.RolledBack != "" {
		v += " (" + l.RolledBack + ")"
	}
	return v
}

func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
