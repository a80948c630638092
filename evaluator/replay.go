package evaluator

import (
	"fmt"
	"strings"
)

// Replay re-derives a verdict from a record alone: it scores the recorded
// values against slo, with the recorded compared results as history. A nil
// slo means the record's own SLO, parsed from the record; the replay then
// agrees with the record (see [Diff]) unless the record was altered or
// scoring changed. With another SLO, the replay says what that SLO would
// have decided on the same values; its SLO source is left empty for the
// caller to fill.
func Replay(rec *Record, slo *SLO) (*Record, error) {
	src := SLOSource{}
	if slo == nil {
		parsed, d := ParseSLO(rec.SLO.File, []byte(rec.SLO.Content))
		if parsed == nil {
			return nil, fmt.Errorf("parse recorded slo: %w", d.Diagnostics().Errors())
		}
		slo, src = parsed, rec.SLO
	}
	return Rescore(rec, Request{SLO: slo, SLOSource: src, History: rec.Compared}), nil
}

// Rescore scores the values of rec again against the SLO and history of
// req, as when a concurrent evaluation moved the ledger after the values
// were retrieved. It returns a copy of rec with a new verdict (objectives,
// compared results, points, score, result and message) and req's SLO
// source; everything else, queries and window included, is rec's.
func Rescore(rec *Record, req Request) *Record {
	fresh := Score(req.SLO, rec.Values, req.History)
	out := *rec
	out.SLO = req.SLOSource
	out.Objectives, out.Compared, out.Comparison = fresh.Objectives, fresh.Compared, fresh.Comparison
	out.Points, out.MaxPoints, out.Score = fresh.Points, fresh.MaxPoints, fresh.Score
	out.Result, out.Message = fresh.Result, fresh.Message
	return &out
}

// Difference is one part of a verdict on which two records disagree.
type Difference struct {
	// Part names it: "result", "score", "points", "max points",
	// "objectives", "objective <sli> status", "objective <sli> points",
	// "objective <sli> value", "objective <sli> criteria" or "compared".
	Part string
	// A and B are the part in each record, as text.
	A, B string
}

// String reads "part: A → B".
func (d Difference) String() string { return fmt.Sprintf("%s: %s → %s", d.Part, d.A, d.B) }

// Diff returns the parts of the verdicts of a and b that differ, in the
// order of the record: result, score, points, each objective in SLO order,
// compared results. It is empty when the verdicts agree.
func Diff(a, b *Record) []Difference {
	var out []Difference
	add := func(part, x, y string) {
		if x != y {
			out = append(out, Difference{Part: part, A: x, B: y})
		}
	}
	add("result", a.Result, b.Result)
	add("score", fmt.Sprint(a.Score), fmt.Sprint(b.Score))
	add("points", fmt.Sprint(a.Points), fmt.Sprint(b.Points))
	add("max points", fmt.Sprint(a.MaxPoints), fmt.Sprint(b.MaxPoints))
	if len(a.Objectives) != len(b.Objectives) {
		add("objectives", objectivesText(a.Objectives), objectivesText(b.Objectives))
	} else {
		for i := range a.Objectives {
			x, y := a.Objectives[i], b.Objectives[i]
			part := "objective " + x.SLI
			if x.SLI != y.SLI {
				add(fmt.Sprintf("objectives[%d]", i), x.SLI, y.SLI)
				continue
			}
			add(part+" status", x.Status, y.Status)
			add(part+" points", fmt.Sprintf("%v/%d", x.Points, x.Weight), fmt.Sprintf("%v/%d", y.Points, y.Weight))
			add(part+" value", x.rawValueText(), y.rawValueText())
			add(part+" criteria", criteriaText(x), criteriaText(y))
		}
	}
	add("compared", comparedKey(a.Compared), comparedKey(b.Compared))
	return out
}

// rawValueText is valueText with every digit, so that no change hides in
// rounding.
func (o ObjectiveResult) rawValueText() string {
	if o.Value != nil {
		return fmt.Sprint(*o.Value)
	}
	return o.valueText()
}

func criteriaText(o ObjectiveResult) string {
	return "pass " + rawBlocksText(o.Pass) + "; warning " + rawBlocksText(o.Warning)
}

// rawBlocksText is blocksText with exact targets.
func rawBlocksText(blocks [][]Target) string {
	var b strings.Builder
	for i, block := range blocks {
		if i > 0 {
			b.WriteString(" or ")
		}
		for j, t := range block {
			if j > 0 {
				b.WriteString(" and ")
			}
			b.WriteString(t.Criterion)
			if t.Target != nil {
				fmt.Fprintf(&b, " [%v]", *t.Target)
			}
			fmt.Fprintf(&b, " held=%t skipped=%t", t.Held, t.Skipped)
		}
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

func objectivesText(objs []ObjectiveResult) string {
	names := make([]string, len(objs))
	for i, o := range objs {
		names[i] = o.SLI
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// comparedKey lists the compared results with their result and score.
func comparedKey(prev []Previous) string {
	if len(prev) == 0 {
		return "none"
	}
	parts := make([]string, len(prev))
	for i, p := range prev {
		parts[i] = fmt.Sprintf("%s (%s %v)", p.ID, p.Result, p.Score)
	}
	return strings.Join(parts, ", ")
}
