package forge

import (
	"fmt"
	"strings"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
)

// Proposal is what the pull request of a promotion tells its reviewer.
type Proposal struct {
	Service, Stage, Run string
	// Before is the pin released in the stage ("" when nothing is), After
	// the candidate's.
	Before, After string
	Candidate     string
	// TriggeredBy and Gate name the sequence whose result is approved.
	TriggeredBy, Gate string
	// Record is that sequence's evaluation record, if it had one.
	Record *evaluator.Record
	// Added and Removed count the lines of the manifests that change.
	Added, Removed int
}

// Body renders the pull request's description in Markdown.
func (p Proposal) Body() string {
	var b strings.Builder
	before := "nothing yet"
	if p.Before != "" {
		before = "`" + p.Before + "`"
	}
	fmt.Fprintf(&b, "ferry proposes **%s** for **%s** in **%s** (run %s).\n\n", p.After, p.Service, p.Stage, p.Run)
	fmt.Fprintf(&b, "| | |\n|---|---|\n| before | %s |\n| after | `%s` |\n| candidate | %s |\n", before, p.After, gitstore.ShortSHA(p.Candidate))
	if p.TriggeredBy != "" {
		fmt.Fprintf(&b, "| gate | %s: %s |\n", p.TriggeredBy, p.Gate)
	}
	if rec := p.Record; rec != nil {
		fmt.Fprintf(&b, "\n### Quality gate: %s, score %s\n\n| objective | value | status | points |\n|---|---|---|---|\n", rec.Result, evaluator.FormatScore(rec.Score))
		for _, o := range rec.Objectives {
			value := "–"
			if o.Value != nil {
				value = evaluator.FormatScore(*o.Value)
			} else if o.Error != "" {
				value = o.Error
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s/%d |\n", o.SLI, value, o.Status, evaluator.FormatScore(o.Points), o.Weight)
		}
		fmt.Fprintf(&b, "\nThe evaluation record is the note on %s: `git notes --ref=ferry show %s`.\n", gitstore.ShortSHA(rec.Commit), rec.Commit)
	}
	fmt.Fprintf(&b, "\n### Manifests\n\n`services/%s/manifests.yaml`: %d line(s) added, %d removed.\n", p.Service, p.Added, p.Removed)
	b.WriteString("\nMerge this request to approve; close it to reject.\n")
	return b.String()
}
