package evaluator

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable writes the record for people: one row per objective (value,
// pass and warning criteria with their targets, status, points), then the
// verdict and the results it compared with.
func (r *Record) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "OBJECTIVE\tVALUE\tPASS\tWARNING\tSTATUS\tPOINTS")
	for _, o := range r.Objectives {
		name := o.SLI
		if o.DisplayName != "" {
			name = o.DisplayName
		}
		if o.KeySLI {
			name += " (key)"
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, o.valueText(), blocksText(o.Pass), blocksText(o.Warning), o.Status, o.pointsText())
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	line := fmt.Sprintf("\nresult: %s, score %s (%s of %s points)", r.Result, FormatScore(r.Score), FormatScore(r.Points), FormatScore(r.MaxPoints))
	if r.Message != "" {
		line += ": " + r.Message
	}
	if len(r.Compared) > 0 {
		line += "\ncompared with: " + comparedText(r.Compared)
	}
	if _, err := fmt.Fprintln(w, line); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// valueText is the scored value, the reason there was none, or "-".
func (o ObjectiveResult) valueText() string {
	switch {
	case o.Value != nil:
		return FormatScore(*o.Value)
	case o.Error != "":
		return "error: " + o.Error
	}
	return "-"
}

// pointsText is "points/weight", or "-" for an informational objective.
func (o ObjectiveResult) pointsText() string {
	if o.Status == StatusInfo {
		return "-"
	}
	return fmt.Sprintf("%s/%d", FormatScore(o.Points), o.Weight)
}

// blocksText shows criteria blocks: criteria of a block joined by "and",
// blocks by "or", each with its target and whether it held.
func blocksText(blocks [][]Target) string {
	bs := make([]string, 0, len(blocks))
	for _, b := range blocks {
		cs := make([]string, 0, len(b))
		for _, t := range b {
			mark := "no"
			if t.Held {
				mark = "ok"
			}
			switch {
			case t.Skipped:
				cs = append(cs, t.Criterion+" (no history: skipped)")
			case t.Target != nil:
				cs = append(cs, fmt.Sprintf("%s [%s] %s", t.Criterion, FormatScore(*t.Target), mark))
			default:
				cs = append(cs, t.Criterion)
			}
		}
		bs = append(bs, strings.Join(cs, " and "))
	}
	if len(bs) == 0 {
		return "-"
	}
	return strings.Join(bs, " or ")
}

// comparedText lists the IDs of compared results, newest first.
func comparedText(prev []Previous) string {
	ids := make([]string, len(prev))
	for i, p := range prev {
		ids[i] = p.ID
	}
	return strings.Join(ids, ", ")
}
