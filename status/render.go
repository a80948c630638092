package status

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// JSON renders status.json.
func (s *Summary) JSON() []byte {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("marshal status.json: %v", err)) // plain structs only
	}
	return append(data, '\n')
}

// ParseSummary reads status.json.
func ParseSummary(data []byte) (*Summary, error) {
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("read %s: %w", JSONFile, err)
	}
	if s.FormatVersion < FormatVersion {
		return nil, fmt.Errorf("read %s: format version %d is older than %d: the next pass of ferry rewrites it", JSONFile, s.FormatVersion, FormatVersion)
	}
	return &s, nil
}

// Markdown renders STATUS.md: per stage in shipyard order, each service's
// deployed version, what is in flight and what it waits for, holds and
// open problems.
func (s *Summary) Markdown() []byte {
	var b bytes.Buffer
	title := "ferry status"
	if s.Project != "" {
		title += ": " + s.Project
	}
	fmt.Fprintf(&b, "# %s\n\nUpdated %s", title, s.Updated.Format(time.RFC3339))
	if s.Main != "" {
		fmt.Fprintf(&b, " from main at `%s`", short(s.Main))
	}
	b.WriteString(".\n\n")
	for _, c := range s.Conditions {
		if c.Type == "Stalled" && c.Status == "True" {
			fmt.Fprintf(&b, "> **Stalled (%s):** nothing new is delivered until a commit fixes this.\n>\n> ```\n> %s\n> ```\n\n", c.Reason, strings.ReplaceAll(c.Message, "\n", "\n> "))
		}
	}
	for _, c := range s.Corrupt {
		fmt.Fprintf(&b, "> **Stalled (CorruptStatus):** `%s` does not parse (%s); its item waits until a commit on ferry/status fixes or deletes it.\n\n", c.File, oneLine(c.Err))
	}
	for _, st := range s.Stages {
		fmt.Fprintf(&b, "## %s\n\n", st.Name)
		if h := st.Hold; h != nil {
			fmt.Fprintf(&b, "**Held:** %s\n\n", holdText(h))
		}
		b.WriteString("| service | deployed | verdict | in flight | waiting for | last run |\n|---|---|---|---|---|---|\n")
		for _, ss := range st.Services {
			fmt.Fprintf(&b, "| **%s** | %s | %s | %s | %s | %s |\n", ss.Name, deployedText(ss), verdictText(ss), inFlightText(ss), waitingText(ss), lastText(ss))
		}
		b.WriteString("\n")
	}
	problems := 0
	for _, st := range s.Stages {
		for _, ss := range st.Services {
			for _, p := range ss.Problems {
				if problems == 0 {
					b.WriteString("## Open problems\n\n| problem | stage | service | opened | actions | doing |\n|---|---|---|---|---|---|\n")
				}
				problems++
				fmt.Fprintf(&b, "| %s (%s) | %s | %s | %s | %d | %s |\n", p.ID, cellText(p.Type), st.Name, ss.Name, p.Opened.Format(time.RFC3339), p.Actions, cellText(p.Doing))
			}
		}
	}
	if problems > 0 {
		b.WriteString("\n")
	}
	b.WriteString("Runs are in `runs/`, evaluation records in `ledger/`, problems in `problems/`; `status.json` holds the same as this page.\n")
	return b.Bytes()
}

func holdText(h *Hold) string {
	t := cellText(h.Reason) + " (`" + h.File + "`"
	if h.By != "" {
		t += ", by " + cellText(h.By)
	}
	if !h.Until.IsZero() {
		t += ", until " + h.Until.UTC().Format(time.RFC3339)
	}
	return t + ")"
}

func deployedText(ss ServiceSummary) string {
	d := ss.Deployed
	if d == nil {
		return "–"
	}
	t := "`" + pinOr(d.Pin, d.Candidate) + "`"
	if d.RolledBack {
		t += " (restored by a rollback)"
	}
	return t + " since " + d.Since.UTC().Format(time.RFC3339)
}

func verdictText(ss ServiceSummary) string {
	if d := ss.Deployed; d != nil && d.Verdict != "" {
		return d.Verdict + scoreText(d.Score)
	}
	return "–"
}

func inFlightText(ss ServiceSummary) string {
	f := ss.InFlight
	if f == nil {
		if ss.Queued > 0 {
			return fmt.Sprintf("%d queued", ss.Queued)
		}
		return "–"
	}
	t := fmt.Sprintf("`%s` %s %s", pinOr(f.Pin, f.Candidate), f.Sequence, f.Run)
	switch {
	case f.Phase == PhaseHeld || f.Phase == PhaseQueued:
		t += ": " + string(f.Phase)
	case f.Task != "":
		t += ": " + f.Task
	}
	if ss.Queued > 0 {
		t += fmt.Sprintf(" (+%d queued)", ss.Queued)
	}
	return t
}

func waitingText(ss ServiceSummary) string {
	if c := ss.Conditions; len(c) > 0 && (c[0].Reason == ReasonCorruptStatus || c[0].Reason == ReasonInvalidProject) {
		return "**Stalled (" + string(c[0].Reason) + "):** " + cellText(c[0].Message)
	}
	f := ss.InFlight
	if f == nil || f.WaitingFor == "" {
		return "–"
	}
	t := cellText(f.WaitingFor)
	if !f.Until.IsZero() {
		t += " (until " + f.Until.UTC().Format(time.RFC3339) + ")"
	}
	if f.Action != "" {
		t += ": **" + cellText(f.Action) + "**"
	}
	if f.ForgeError != "" {
		t += " (the forge failed since " + f.ForgeErrorAt.UTC().Format(time.RFC3339) + ": " + cellText(f.ForgeError) + "; retried)"
	}
	return t
}

func lastText(ss ServiceSummary) string {
	l := ss.Last
	if l == nil {
		return "–"
	}
	t := fmt.Sprintf("%s `%s` %s%s", l.Run, pinOr(l.Pin, l.Candidate), l.Result, scoreText(l.Score))
	if l.RolledBack != "" {
		t += ", " + cellText(l.RolledBack)
	}
	return t
}

func scoreText(s *float64) string {
	if s == nil {
		return ""
	}
	return " " + strconv.FormatFloat(*s, 'g', 4, 64)
}

func pinOr(pin, candidate string) string {
	if pin != "" {
		return pin
	}
	return short(candidate)
}

// cellText keeps a value inside one Markdown table cell.
func cellText(s string) string {
	return strings.ReplaceAll(oneLine(s), "|", `\|`)
}

func oneLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
