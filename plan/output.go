package plan

import (
	"fmt"
	"io"
	"strings"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/status"
)

// Text writes the plan for a person: validation, candidates, manifests
// (summary and diff), what-if and changes, one section each.
func (p *Plan) Text(w io.Writer) error {
	var b strings.Builder
	b.WriteString(p.headline() + "\n")
	b.WriteString("\nValidation: " + p.validity() + "\n")
	if p.MergeNotValidated {
		b.WriteString("  " + mergeNotValidated + "\n")
	}
	for _, d := range p.Diagnostics {
		b.WriteString("  " + d.Error() + "\n")
	}
	if !p.Valid() {
		_, err := io.WriteString(w, b.String())
		return err
	}
	if p.BaseProblem != "" {
		b.WriteString("\nThe base cannot be read, everything counts as new: " + status.FirstLineOf(p.BaseProblem) + "\n")
	}
	b.WriteString("\nCandidates:\n")
	if len(p.Candidates) == 0 {
		b.WriteString("  none: no service's files changed\n")
	}
	for _, c := range p.Candidates {
		b.WriteString("  " + c.headline() + "\n")
		for _, s := range c.Steps {
			b.WriteString("    " + s.line() + "\n")
		}
	}
	b.WriteString("\nManifests:\n")
	if len(p.Manifests) == 0 {
		b.WriteString("  no rendered manifest changes\n")
	}
	for _, m := range p.Manifests {
		b.WriteString("  " + m.Stage + "/" + m.Service + ":\n")
		for _, line := range m.summary() {
			b.WriteString("    " + line + "\n")
		}
		for _, line := range splitLines(m.Diff) {
			b.WriteString("    " + line + "\n")
		}
	}
	if len(p.WhatIf) > 0 {
		b.WriteString("\nWhat-if on recorded evaluations:\n")
		for _, wi := range p.WhatIf {
			b.WriteString("  " + wi.headline() + "\n")
			for _, line := range wi.details() {
				b.WriteString("    " + line + "\n")
			}
		}
	}
	b.WriteString("\nShipyard, holds and settings:\n")
	if len(p.Changes) == 0 {
		b.WriteString("  no changes\n")
	}
	for _, c := range p.Changes {
		b.WriteString("  " + c + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// MaxMarkdown bounds the size of Markdown in bytes: forges reject longer
// comments (GitHub at 65,536 characters), and a bot adds its own lines.
const MaxMarkdown = 60000

// moreLines ends a diff cut to keep the comment within MaxMarkdown.
const moreLines = "… %d more lines (run ferry plan locally for the whole diff)\n"

// Markdown returns the plan as a pull-request comment: the same sections
// as Text, diffs folded in <details>. It stays within MaxMarkdown bytes:
// the summaries are kept whole and the diffs, in order, are cut to what
// fits, each cut saying how many lines it leaves out.
func (p *Plan) Markdown() string {
	var b strings.Builder
	b.WriteString("### " + p.headline() + "\n\n")
	b.WriteString("**Validation:** " + p.validity() + "\n")
	if p.MergeNotValidated {
		b.WriteString("\n**" + mergeNotValidated + "**\n")
	}
	if len(p.Diagnostics) > 0 {
		b.WriteString("\n")
	}
	for _, d := range p.Diagnostics {
		b.WriteString("- `" + d.Error() + "`\n")
	}
	if !p.Valid() {
		return capMarkdown(b.String())
	}
	if p.BaseProblem != "" {
		b.WriteString("\nThe base cannot be read, everything counts as new: " + status.FirstLineOf(p.BaseProblem) + "\n")
	}
	b.WriteString("\n#### Candidates\n\n")
	if len(p.Candidates) == 0 {
		b.WriteString("None: no service's files changed.\n")
	}
	for _, c := range p.Candidates {
		b.WriteString("- **" + c.Service + "**: " + strings.TrimPrefix(c.headline(), c.Service+": ") + "\n")
		for _, s := range c.Steps {
			b.WriteString("  - " + s.line() + "\n")
		}
	}
	b.WriteString("\n#### Manifests\n\n")
	if len(p.Manifests) == 0 {
		b.WriteString("No rendered manifest changes.\n")
	}
	for _, m := range p.Manifests {
		b.WriteString("- **" + m.Stage + "/" + m.Service + "**: " + strings.Join(m.summary(), "; ") + "\n")
	}
	tail := p.markdownTail()
	budget := MaxMarkdown - b.Len() - len(tail)
	whole := budget
	blocks := make([][2]string, len(p.Manifests))
	for i, m := range p.Manifests {
		blocks[i] = [2]string{
			fmt.Sprintf("\n<details><summary>diff of %s/%s</summary>\n\n```diff\n", m.Stage, m.Service),
			"```\n%s\n</details>\n",
		}
		whole -= len(blocks[i][0]) + len(blocks[i][1]) - 2 + len(fence(m.Diff))
		budget -= len(blocks[i][0]) + len(blocks[i][1]) + len(moreLines) + 8
	}
	if whole >= 0 {
		budget = MaxMarkdown // everything fits: no diff is cut
	}
	for i, m := range p.Manifests {
		diff, cut := cutLines(fence(m.Diff), max(budget, 0))
		budget -= len(diff)
		more := ""
		if cut > 0 {
			more = fmt.Sprintf(moreLines, cut)
		}
		b.WriteString(blocks[i][0] + diff)
		fmt.Fprintf(&b, blocks[i][1], more)
	}
	b.WriteString(tail)
	return capMarkdown(b.String())
}

// cutLines keeps the whole lines of s that fit in n bytes and returns
// them with the number of lines left out.
func cutLines(s string, n int) (string, int) {
	if len(s) <= n {
		return s, 0
	}
	keep := strings.LastIndexByte(s[:n], '\n') + 1
	return s[:keep], strings.Count(s[keep:], "\n") + boolInt(!strings.HasSuffix(s, "\n"))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// capMarkdown cuts a comment whose summaries alone exceed MaxMarkdown at
// a line, saying so.
func capMarkdown(s string) string {
	const note = "\n… the plan is cut here (run ferry plan locally for the whole plan)\n"
	if len(s) <= MaxMarkdown {
		return s
	}
	kept, _ := cutLines(s, MaxMarkdown-len(note))
	return kept + note
}

// markdownTail writes the what-if and the shipyard sections.
func (p *Plan) markdownTail() string {
	var b strings.Builder
	if len(p.WhatIf) > 0 {
		b.WriteString("\n#### What-if on recorded evaluations\n\n")
		for _, wi := range p.WhatIf {
			b.WriteString("- " + wi.headline() + "\n")
			for _, line := range wi.details() {
				b.WriteString("  - " + line + "\n")
			}
		}
	}
	b.WriteString("\n#### Shipyard, holds and settings\n\n")
	if len(p.Changes) == 0 {
		b.WriteString("No changes.\n")
	}
	for _, c := range p.Changes {
		b.WriteString("- " + c + "\n")
	}
	return b.String()
}

// mergeNotValidated is what a plan says when the head does not descend
// from the base.
const mergeNotValidated = "main moved since this branch was made: the merge result was not validated; rebase or merge main to validate it."

// fence keeps a diff from closing its code block early.
func fence(diff string) string { return strings.ReplaceAll(diff, "```", "`\u200b``") }

func (p *Plan) headline() string {
	s := fmt.Sprintf("Plan of %s onto %s", commitName(p.Head), commitName(p.Base))
	if p.MergeBase != p.Base {
		s += fmt.Sprintf(" (against the merge base %s)", commitName(p.MergeBase))
	}
	return s + fmt.Sprintf(": %d file(s) changed", len(p.ChangedFiles))
}

// commitName is a commit's short SHA, "nothing" for the zero hash (no
// base, or no common history).
func commitName(sha string) string {
	if gitstore.NewHash(sha).IsZero() {
		return "nothing"
	}
	return gitstore.ShortSHA(sha)
}

func (p *Plan) validity() string {
	errs := len(p.Diagnostics.Errors())
	warns := len(p.Diagnostics) - errs
	if errs > 0 {
		return fmt.Sprintf("the head does not validate: %d error(s), %d warning(s)", errs, warns)
	}
	return fmt.Sprintf("valid, %d warning(s)", warns)
}

func (c Candidate) headline() string {
	if c.Problem != "" {
		return c.Service + ": cannot start: " + c.Problem
	}
	s := fmt.Sprintf("%s: starts sequence %s in %s", c.Service, c.Sequence, c.Stage)
	if c.Named {
		s += " (named by the commit's Ferry-Sequence trailer)"
	}
	return s
}

func (s Step) line() string {
	out := fmt.Sprintf("%s.%s: %s", s.Stage, s.Sequence, strings.Join(s.Tasks, ", "))
	if s.Hold != nil {
		out += fmt.Sprintf(" — stops before the stage: held by %s (%s", s.Hold.File, s.Hold.Reason)
		if s.Hold.Until != "" {
			out += ", until " + s.Hold.Until
		}
		out += ")"
	}
	switch s.Approval {
	case ApprovalManual:
		out += " — stops for a manual approval"
	case ApprovalManualOnWarning:
		out += " — stops for a manual approval on a warning"
	}
	return out
}

func (m ManifestChange) summary() []string {
	var out []string
	if m.Problem != "" {
		out = append(out, status.FirstLineOf(m.Problem))
	}
	for _, o := range m.Objects {
		s := o.Object + " " + string(o.Change)
		var parts []string
		for _, img := range o.Images {
			parts = append(parts, "image "+img)
		}
		if o.Replicas != "" {
			parts = append(parts, "replicas "+o.Replicas)
		}
		if len(parts) > 0 {
			s += ": " + strings.Join(parts, ", ")
		}
		out = append(out, s)
	}
	return out
}

func (w WhatIf) headline() string {
	what := "SLO"
	switch {
	case w.SLOChanged && len(w.SLIs) > 0:
		what = "SLO and SLIs (" + strings.Join(w.SLIs, ", ") + ")"
	case !w.SLOChanged:
		what = "SLIs (" + strings.Join(w.SLIs, ", ") + ")"
	}
	if w.Problem != "" {
		return w.Problem
	}
	if len(w.Replays) == 0 {
		return fmt.Sprintf("%s/%s: the %s changed; no evaluations recorded to replay", w.Stage, w.Service, what)
	}
	s := fmt.Sprintf("%s/%s: %d of the last %d evaluations would change verdict with the new %s", w.Stage, w.Service, w.Changed, len(w.Replays), what)
	if w.NotReplayed > 0 {
		s += fmt.Sprintf("; %d cannot be replayed offline", w.NotReplayed)
	}
	return s
}

func (w WhatIf) details() []string {
	var out []string
	for _, r := range w.Replays {
		name := r.ID
		if r.Run != "" {
			name = r.Run
		}
		switch {
		case r.Changed:
			line := fmt.Sprintf("%s: %s → %s", name, r.Old, *r.New)
			if r.Release != "" {
				line = fmt.Sprintf("%s (%s): %s → %s", name, r.Release, r.Old, *r.New)
			}
			if len(r.Objectives) > 0 {
				line += "; " + strings.Join(r.Objectives, ", ")
			}
			out = append(out, line)
		case r.New == nil:
			out = append(out, fmt.Sprintf("%s: not replayed (%s)", name, strings.Join(r.NotReplayable, "; ")))
		}
	}
	return out
}
