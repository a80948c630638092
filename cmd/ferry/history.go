package main

import (
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
			entries, err := serviceHistory(s, snap, args[0], stage, limit)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if commit != "" {
				h, err := resolveCommit(s, snap, commit)
				if err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				entries = entriesOf(entries, h.String())
			}
			if out.machine() {
				return printData(cmd.OutOrStdout(), out.value, entries)
			}
			return printHistory(cmd.OutOrStdout(), entries)
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "only this stage")
	cmd.Flags().StringVar(&commit, "commit", "", "only the transitions of this stage or main commit: "+commitHelp)
	cmd.Flags().IntVar(&limit, "limit", 200, "commits to read per stage branch")
	out = bindOutput(cmd, outputHuman, outputJSON, outputYAML)
	repo.bindReport(cmd.Flags())
	return cmd
}

// entriesOf keeps the entries of a stage commit or a candidate.
func entriesOf(entries []historyEntry, sha string) []historyEntry {
	out := []historyEntry{}
	for _, e := range entries {
		if e.Commit == sha || e.Candidate == sha {
			out = append(out, e)
		}
	}
	return out
}

func serviceHistory(s *gitstore.Store, snap gitstore.Snapshot, svc, only string, limit int) ([]historyEntry, error) {
	prefix := gitstore.BranchRef(s.Options().StagePrefix)
	out := []historyEntry{}
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
