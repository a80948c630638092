package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	yaml "go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/status"
)

func newGet() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "get",
		Short: "Show one run slot or one problem in detail, from Git alone",
		Example: `  ferry get run production carts
  ferry get problem production-carts-response-time-20261121T120045Z -o yaml`,
	}
	cmd.AddCommand(newGetRun(), newGetProblem())
	return cmd
}

func newGetRun() *cobra.Command {
	var repo repoFlags
	var out *outputFlag
	cmd := &cobra.Command{
		Use:   "run STAGE SERVICE [--repo URL]",
		Short: "Show a service's runs in a stage: the run in flight, the queue, the last run, what is deployed and released",
		Long: `Get run reads runs/<stage>/<service>.yaml on the ferry/status branch: the run
in flight and what it waits for, the runs queued behind it, the last finished
run, what the stage branch runs, what was released and the last gate verdict.

-o json and -o yaml print the file's fields (the same names as the file) and,
under summary, the service's entry of status.json.

Without --repo, ferry reads $FERRY_REPO, else the origin remote of the clone
it runs in.`,
		Example: `  ferry get run production carts
  ferry get run staging carts --repo https://git.example.com/shop/delivery.git -o yaml
  ferry get run production carts -o json | jq .current`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			stage, svc := args[0], args[1]
			s, snap, cleanup, err := repo.fetchReport(cmd.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			known, err := repositoryNames(s, snap)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if err := known.checkStage(stage); err != nil {
				return err
			}
			if err := known.checkService(svc); err != nil {
				return err
			}
			tip := snap.Get(s.FerryRef("status"))
			b, err := status.Read(s.Reader, tip, nil)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if c := b.CorruptSlot(stage, svc); c != nil {
				return &exitError{code: exitFailed, err: c}
			}
			slot := b.Slots[status.SlotKey(stage, svc)]
			if slot == nil {
				slot = &status.Slot{Stage: stage, Service: svc}
			}
			var sum *status.ServiceSummary
			if !tip.IsZero() {
				if data, err := s.ReadFile(tip, status.JSONFile); err == nil {
					if all, err := status.ParseSummary(data); err == nil {
						sum, _ = all.Service(stage, svc)
					}
				}
			}
			if out.machine() {
				return printSlotData(cmd.OutOrStdout(), out.value, slot, sum)
			}
			return printSlot(cmd.OutOrStdout(), slot, sum)
		},
	}
	out = bindOutput(cmd, outputHuman, outputJSON, outputYAML)
	repo.bindReport(cmd.Flags())
	return cmd
}

// printSlotData prints the slot with the field names of its file, and the
// service's summary under "summary".
func printSlotData(w io.Writer, format string, slot *status.Slot, sum *status.ServiceSummary) error {
	y, err := yaml.Marshal(slot)
	if err != nil {
		return err
	}
	if sum == nil {
		return printYAMLTagged(w, format, y)
	}
	s, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	var sumYAML map[string]any
	if err := yaml.Unmarshal(s, &sumYAML); err != nil { // JSON is YAML
		return err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(y, &doc); err != nil {
		return err
	}
	doc["summary"] = sumYAML
	if y, err = yaml.Marshal(doc); err != nil {
		return err
	}
	return printYAMLTagged(w, format, y)
}

// printSlot prints a slot for people.
func printSlot(w io.Writer, slot *status.Slot, sum *status.ServiceSummary) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) { _, _ = fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	row("Stage", slot.Stage)
	row("Service", slot.Service)
	if d := slot.Deployed; d != nil {
		v := fmt.Sprintf("%s since %s (stage commit %s)", version(d.Pin, d.Candidate), timeCell(d.Since), dash(gitstore.ShortSHA(d.StageCommit)))
		if d.Verdict != "" {
			v += ", verdict " + d.Verdict + scoreSuffix(d.Score)
		}
		if d.RolledBack {
			v += ", restored by a rollback"
		}
		row("Deployed", v)
	} else {
		row("Deployed", "-")
	}
	if r := slot.Current; r != nil {
		row("In flight", runText(r))
		if f := sumInFlight(sum); f != nil && f.WaitingFor != "" {
			v := f.WaitingFor
			if !f.Until.IsZero() {
				v += " (until " + timeCell(f.Until) + ")"
			}
			row("Waiting for", v)
			if f.Action != "" {
				row("Action", f.Action)
			}
		}
	} else {
		row("In flight", "-")
	}
	for i, r := range slot.Queue {
		if i == 0 {
			row("Queued", runText(r))
		} else {
			_, _ = fmt.Fprintf(tw, "\t%s\n", runText(r))
		}
	}
	if r := slot.Last; r != nil {
		row("Last", runText(r))
	} else {
		row("Last", "-")
	}
	row("Released", releaseText(slot.Released))
	if slot.Previous != nil {
		row("Previous", releaseText(slot.Previous))
	}
	if g := slot.Gate; g != nil {
		row("Last gate", fmt.Sprintf("%s %.4g for %s in %s at %s", g.Result, g.Score, gitstore.ShortSHA(g.Candidate), g.Run, timeCell(g.At)))
	}
	if sum != nil {
		for _, p := range sum.Problems {
			row("Problem", fmt.Sprintf("%s (%s): %s", p.ID, p.Type, p.Doing))
		}
		for _, c := range sum.Conditions {
			row(c.Type, fmt.Sprintf("%s (%s) %s", c.Status, c.Reason, c.Message))
		}
	}
	return tw.Flush()
}

func sumInFlight(sum *status.ServiceSummary) *status.InFlight {
	if sum == nil {
		return nil
	}
	return sum.InFlight
}

// runText is a run on one line.
func runText(r *status.Run) string {
	t := fmt.Sprintf("%s %s %s", r.ID, version(r.Pin, r.Candidate), r.Sequence)
	switch {
	case r.Result != "":
		t += ": " + r.Result + scoreSuffix(r.Score)
		if !r.Ended.IsZero() {
			t += " at " + timeCell(r.Ended)
		}
	case r.TaskName != "":
		t += ": " + r.TaskName + " (" + string(r.Phase) + ") since " + timeCell(r.TaskStarted)
	default:
		t += ": " + string(r.Phase) + " since " + timeCell(r.Since)
	}
	if r.Message != "" {
		t += ": " + oneLine(r.Message)
	}
	return t
}

func releaseText(r *status.Release) string {
	if r == nil {
		return "-"
	}
	t := fmt.Sprintf("%s at %s (stage commit %s)", version(r.Pin, r.Candidate), timeCell(r.At), gitstore.ShortSHA(r.StageCommit))
	if r.Verdict != "" {
		t += ", verdict " + r.Verdict + scoreSuffix(r.Score)
	}
	return t
}

// version is a candidate's pins and its main commit.
func version(pin, candidate string) string {
	if pin != "" {
		return pin + " from " + gitstore.ShortSHA(candidate)
	}
	return gitstore.ShortSHA(candidate)
}

func scoreSuffix(s *float64) string {
	if s == nil {
		return ""
	}
	return fmt.Sprintf(" %.4g", *s)
}

func newGetProblem() *cobra.Command {
	var repo repoFlags
	var out *outputFlag
	cmd := &cobra.Command{
		Use:   "problem ID [--repo URL]",
		Short: "Show a problem and the remediation actions taken",
		Long: `Get problem reads problems/<id>.yaml on the ferry/status branch: the problem,
where and since when, and each remediation action with what came of it.
ferry problems lists the ids.

Without --repo, ferry reads $FERRY_REPO, else the origin remote of the clone
it runs in.`,
		Example: `  # Problem ids are listed by ferry problems
  ferry get problem production-carts-response-time-20261121T120045Z
  ferry get problem production-carts-response-time-20261121T120045Z -o json | jq '.actions[-1]'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, cleanup, err := readBranch(cmd.Context(), &repo)
			if err != nil {
				return err
			}
			defer cleanup()
			for _, c := range b.Corrupt {
				if c.Problem == args[0] {
					return &exitError{code: exitFailed, err: c}
				}
			}
			p := b.Problem(args[0])
			if p == nil {
				ids := make([]string, len(b.Problems))
				for i, p := range b.Problems {
					ids[i] = p.ID
				}
				return checkName("problem", args[0], ids)
			}
			if out.machine() {
				return printData(cmd.OutOrStdout(), out.value, p)
			}
			return printProblem(cmd.OutOrStdout(), p)
		},
	}
	out = bindOutput(cmd, outputHuman, outputJSON, outputYAML)
	repo.bindReport(cmd.Flags())
	return cmd
}

// printProblem prints a problem and its actions for people.
func printProblem(w io.Writer, p *status.Problem) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) { _, _ = fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	row("Problem", p.ID)
	row("Type", p.ProblemType)
	if p.Title != "" {
		row("Title", p.Title)
	}
	row("Stage", p.Stage)
	row("Service", p.Service)
	row("Status", string(p.Status))
	row("Opened", timeCell(p.Opened))
	if !p.Ended.IsZero() {
		row("Ended", timeCell(p.Ended))
	}
	if p.Candidate != "" {
		row("Candidate", p.Candidate)
	}
	if p.AlertResolved {
		row("Alert", "resolved")
	}
	if p.Message != "" {
		row("Message", p.Message)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(p.Actions) == 0 {
		_, err := fmt.Fprintln(w, "\nno actions taken yet")
		return err
	}
	_, _ = fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "#\tACTION\tCHANGE\tCOMMIT\tSTARTED\tRESULT")
	for _, a := range p.Actions {
		result := a.Result + scoreSuffix(a.Score)
		switch {
		case a.Result == "" && a.Waiting != "":
			result = "waiting for " + string(a.Waiting)
			if !a.Until.IsZero() {
				result += " until " + a.Until.UTC().Format(time.RFC3339)
			}
		case a.Result == "":
			result = "in flight"
		}
		_, _ = fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", a.Index+1, a.Action, dash(a.Change), dash(gitstore.ShortSHA(a.Commit)), timeCell(a.Started), result)
	}
	return tw.Flush()
}
