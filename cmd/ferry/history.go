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

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
)

// historyEntry is one transition of a service in a stage.
type historyEntry struct {
	Stage     string    `json:"stage"`
	Time      time.Time `json:"time"`
	Commit    string    `json:"commit"`
	Task      string    `json:"task"`
	Subject   string    `json:"subject"`
	Candidate string    `json:"candidate,omitempty"`
	Run       string    `json:"run,omitempty"`
	Verdict   string    `json:"verdict,omitempty"`
}

func newHistory() *cobra.Command {
	var repo repoFlags
	var stage, output string
	var limit int
	cmd := &cobra.Command{
		Use:   "history SERVICE --repo URL",
		Short: "Show what ran where: a service's deployments, rollbacks and verdicts, from Git alone",
		Long: `History reads the stage branches' commits (their Ferry-* trailers) and the
evaluation records in their notes: what ran in each stage, when, from which
main commit, and which gate let it through. No running ferry is needed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, snap, cleanup, err := repo.fetchReport(cmd.Context(), output)
			if err != nil {
				return err
			}
			defer cleanup()
			entries, err := serviceHistory(s, snap, args[0], stage, limit)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if output == outputJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(entries)
			}
			return printHistory(cmd.OutOrStdout(), entries)
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "only this stage")
	cmd.Flags().IntVar(&limit, "limit", 200, "commits to read per stage branch")
	cmd.Flags().StringVarP(&output, "output", "o", outputHuman, "output format: human or json")
	repo.bind(cmd.Flags())
	return cmd
}

func serviceHistory(s *gitstore.Store, snap gitstore.Snapshot, svc, only string, limit int) ([]historyEntry, error) {
	prefix := gitstore.BranchRef(s.Options().StagePrefix)
	var out []historyEntry
	for _, ref := range snap.Names(prefix) {
		stage := strings.TrimPrefix(ref, prefix)
		if only != "" && stage != only {
			continue
		}
		h := snap.Get(ref)
		for i := 0; i < limit && !h.IsZero(); i++ {
			c, err := s.Commit(h)
			if err != nil {
				return nil, err
			}
			if v, _ := c.Trailers.Get("Ferry-Service"); v == svc {
				e := historyEntry{Stage: stage, Time: c.Committer.When.UTC(), Commit: c.Hash.String(), Subject: c.Subject()}
				e.Task, _ = c.Trailers.Get("Ferry-Task")
				e.Candidate, _ = c.Trailers.Get("Ferry-Candidate")
				e.Run, _ = c.Trailers.Get("Ferry-Run")
				if note, err := s.Note(snap.Get(s.NotesRef()), c.Hash); err == nil {
					if rec, err := evaluator.ParseRecord(note); err == nil && rec.Result != "" {
						e.Verdict = rec.Result + " " + evaluator.FormatScore(rec.Score)
					}
				}
				out = append(out, e)
			}
			if len(c.Parents) == 0 {
				break
			}
			h = c.Parents[0]
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out, nil
}

func printHistory(w io.Writer, entries []historyEntry) error {
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
