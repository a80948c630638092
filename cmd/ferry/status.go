package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ferrycd/ferry/reconciler"
)

func newStatus() *cobra.Command {
	var repo repoFlags
	var output string
	cmd := &cobra.Command{
		Use:   "status --repo URL",
		Short: "Show each service in each stage, read from the repository alone",
		Long: `Status reads status.json from the ferry/status branch of the repository: no
running ferry is needed. -o json prints it as is.`,
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
			data, err := s.ReadFile(tip, "status.json")
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if output == outputJSON {
				_, err = cmd.OutOrStdout().Write(data)
				return err
			}
			var st reconciler.Status
			if err := json.Unmarshal(data, &st); err != nil {
				return &exitError{code: exitFailed, err: fmt.Errorf("read status.json: %w", err)}
			}
			return printStatus(cmd.OutOrStdout(), st)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", outputHuman, "output format: human or json")
	repo.bind(cmd.Flags())
	return cmd
}

func printStatus(w io.Writer, st reconciler.Status) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "STAGE\tSERVICE\tVERSION\tVERDICT\tPHASE\tRUN\tSINCE")
	stages := make([]string, 0, len(st.Stages))
	for s := range st.Stages {
		stages = append(stages, s)
	}
	sort.Strings(stages)
	for _, stage := range stages {
		svcs := make([]string, 0, len(st.Stages[stage]))
		for s := range st.Stages[stage] {
			svcs = append(svcs, s)
		}
		sort.Strings(svcs)
		for _, svc := range svcs {
			ss := st.Stages[stage][svc]
			verdict := ss.Verdict
			if ss.Score != nil {
				verdict += " " + fmt.Sprintf("%.4g", *ss.Score)
			}
			phase := ss.Phase
			if ss.Waiting != "" {
				phase += " (" + ss.Waiting + ")"
			}
			_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", stage, svc, dash(ss.Pin), dash(verdict), phase, dash(ss.Run), dash(ss.Since))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if st.Error != "" {
		_, _ = fmt.Fprintf(w, "\nstalled: %s\n", strings.ReplaceAll(st.Error, "\n", "\n  "))
	}
	_, err := fmt.Fprintf(w, "\nupdated %s\n", st.Updated)
	return err
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
