package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/status"
)

// defaultWatchInterval is how often status --watch fetches.
const defaultWatchInterval = 5 * time.Second

func newStatus() *cobra.Command {
	var repo repoFlags
	var watch bool
	var interval time.Duration
	var out *outputFlag
	cmd := &cobra.Command{
		Use:   "status [--repo URL]",
		Short: "Show what each stage runs, what is in flight and what it waits for, from the repository alone",
		Long: `Status reads status.json from the ferry/status branch of the repository: no
running ferry is needed. Stages are listed in the shipyard's order; for each
service: the version the stage branch runs, the run in flight and what it
waits for (with what a person must do), the last run, holds and open
problems.

-o wide adds the run, since when it runs, until when it waits and the action
it needs in columns of their own; -o json prints status.json as it is, -o yaml
the same as YAML.

--watch fetches again every --interval and prints the status again whenever
status.json changed, until interrupted (Ctrl-C). With -o json or yaml each
change is one more document (YAML documents are separated by ---).

Without --repo, ferry reads $FERRY_REPO, else the origin remote of the clone
it runs in: it fetches that remote, so it shows what the remote holds, not
what the clone fetched last. The mirror is kept in the user's cache directory
(--state-dir overrides it).`,
		Example: `  # What runs where, from the clone in the current directory
  ferry status

  # From a repository, with the run, times and actions
  ferry status --repo https://git.example.com/shop/delivery.git -o wide

  # Follow a delivery
  ferry status --watch --interval 10s

  # What production's carts waits for
  ferry status -o json | jq '.stages[] | select(.name == "production") | .services[] | select(.name == "carts") | .inFlight'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if interval <= 0 {
				return usageError("--interval must be positive")
			}
			if !watch {
				data, err := readStatusJSON(cmd.Context(), &repo)
				if err != nil {
					return err
				}
				return printStatusAs(cmd.OutOrStdout(), out.value, data)
			}
			return watchStatus(cmd.Context(), &repo, interval, cmd.OutOrStdout(), cmd.ErrOrStderr(), out.value)
		},
	}
	out = bindOutput(cmd, outputHuman, outputWide, outputJSON, outputYAML)
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "fetch again every --interval and print the status whenever it changed")
	cmd.Flags().DurationVar(&interval, "interval", defaultWatchInterval, "how often --watch fetches")
	repo.bindReport(cmd.Flags())
	return cmd
}

// readStatusJSON fetches the repository and returns status.json.
func readStatusJSON(ctx context.Context, repo *repoFlags) ([]byte, error) {
	s, snap, cleanup, err := repo.fetchReport(ctx)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	tip := snap.Get(s.FerryRef("status"))
	if tip.IsZero() {
		return nil, &exitError{code: exitFailed, err: fmt.Errorf("%s has no %s branch yet: ferry has not run", s.URL(), s.FerryRef("status"))}
	}
	data, err := s.ReadFile(tip, status.JSONFile)
	if err != nil {
		return nil, &exitError{code: exitFailed, err: fmt.Errorf("read %s: %w", status.JSONFile, err)}
	}
	return data, nil
}

// printStatusAs prints status.json in an output format.
func printStatusAs(w io.Writer, format string, data []byte) error {
	if format == outputJSON || format == outputYAML {
		return printJSONBytes(w, format, data)
	}
	sum, err := status.ParseSummary(data)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	return printStatus(w, sum, format == outputWide)
}

// watchStatus prints the status, then again each time status.json changes,
// until ctx ends. A failed fetch after the first is reported and retried.
func watchStatus(ctx context.Context, repo *repoFlags, interval time.Duration, stdout, stderr io.Writer, format string) error {
	var last []byte
	for first := true; ; first = false {
		data, err := readStatusJSON(ctx, repo)
		switch {
		case ctx.Err() != nil:
			return nil //nolint:nilerr // interrupted: the watch ends without an error
		case err != nil && first:
			return err
		case err != nil:
			_, _ = fmt.Fprintln(stderr, "ferry:", err)
		case !bytes.Equal(data, last):
			if !first {
				sep := "\n"
				switch format {
				case outputYAML:
					sep = "---\n"
				case outputJSON:
					sep = ""
				}
				_, _ = io.WriteString(stdout, sep)
			}
			if err := printStatusAs(stdout, format, data); err != nil {
				return err
			}
			last = data
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// printStatus prints the summary as STATUS.md shows it: per stage in
// shipyard order, deployed version, in flight and what it waits for, holds
// and open problems.
func printStatus(w io.Writer, s *status.Summary, wide bool) error {
	for _, c := range s.Conditions {
		if c.Type == "Stalled" && c.Status == "True" {
			_, _ = fmt.Fprintf(w, "stalled (%s): %s\n\n", c.Reason, strings.ReplaceAll(c.Message, "\n", "\n  "))
		}
	}
	for _, c := range s.Corrupt {
		_, _ = fmt.Fprintf(w, "stalled (CorruptStatus): %s does not parse: %s\n\n", c.File, c.Err)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if wide {
		_, _ = fmt.Fprintln(tw, "STAGE\tSERVICE\tDEPLOYED\tVERDICT\tRUN\tIN FLIGHT\tSINCE\tWAITING FOR\tUNTIL\tACTION\tLAST")
	} else {
		_, _ = fmt.Fprintln(tw, "STAGE\tSERVICE\tDEPLOYED\tVERDICT\tIN FLIGHT\tWAITING FOR\tLAST")
	}
	for _, st := range s.Stages {
		for _, ss := range st.Services {
			if wide {
				f := ss.InFlight
				if f == nil {
					f = &status.InFlight{}
				}
				_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", st.Name, ss.Name, deployedCell(ss), verdictCell(ss),
					dash(f.Run), wideInFlightCell(ss), timeCell(f.Since), wideWaitingCell(ss), timeCell(f.Until), dash(f.Action), lastCell(ss))
				continue
			}
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
		v = gitstore.ShortSHA(d.Candidate)
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
		v = gitstore.ShortSHA(f.Candidate)
	}
	what := f.Task
	if f.Phase == status.PhaseHeld || f.Phase == status.PhaseQueued || what == "" {
		what = string(f.Phase)
	}
	return fmt.Sprintf("%s %s %s: %s", f.Run, v, f.Sequence, what)
}

// wideInFlightCell is inFlightCell without the run, which -o wide shows
// in a column of its own.
func wideInFlightCell(ss status.ServiceSummary) string {
	if ss.InFlight == nil {
		return inFlightCell(ss)
	}
	_, v, _ := strings.Cut(inFlightCell(ss), " ")
	return v
}

// wideWaitingCell is waitingCell without the action, which -o wide shows
// in a column of its own.
func wideWaitingCell(ss status.ServiceSummary) string {
	if f := ss.InFlight; f != nil && f.Action != "" && f.WaitingFor != "" {
		return f.WaitingFor
	}
	return waitingCell(ss)
}

func timeCell(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
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

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
