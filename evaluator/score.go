package evaluator

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Score applies Keptn's lighthouse algorithm: it scores values against the
// SLO, with history (earlier evaluations of the same project, stage and
// service, newest first) for relative criteria. It fills the record's
// objectives, compared results, points, score and result.
func Score(slo *SLO, values map[string]Value, history []Previous) *Record {
	r := &Record{Version: RecordVersion, Values: values, Comparison: *slo.Comparison}
	r.Compared = compared(slo.Comparison, history)
	keyFailed := false
	consumed := map[string]bool{}
	for _, o := range slo.Objectives {
		res := scoreObjective(o, values, r.Compared, slo.Comparison.AggregateFunction, consumed)
		if len(o.Pass) > 0 && (res.Status != StatusInfo || !o.IgnoreMissing) {
			r.MaxPoints += float64(o.Weight)
		}
		r.Points += res.Points
		if o.KeySLI && res.Status == ResultFail {
			keyFailed = true
		}
		r.Objectives = append(r.Objectives, res)
	}
	r.Score, r.Result, r.Message = verdict(len(slo.Objectives), r.Points, r.MaxPoints, keyFailed, slo.TotalScore)
	return r
}

// compared picks the previous results relative criteria use, as Keptn's
// getPreviousEvaluations (evaluate_sli_handler.go) asked its datastore for
// them (excludeInvalidated=true, the result filter, limit): newest first,
// never an invalidated one, filtered by overall result, at most the number
// asked.
func compared(c *Comparison, history []Previous) []Previous {
	out := []Previous{}
	for _, p := range history {
		if len(out) >= c.NumberOfComparisonResults {
			break
		}
		if p.Invalidated {
			continue
		}
		switch strings.ToLower(c.IncludeResultWithScore) {
		case IncludePass:
			if p.Result != ResultPass {
				continue
			}
		case IncludePassWarn:
			if p.Result != ResultPass && p.Result != ResultWarning {
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

func scoreObjective(o *Objective, values map[string]Value, prev []Previous, agg string, consumed map[string]bool) ObjectiveResult {
	res := ObjectiveResult{SLI: o.SLI, DisplayName: o.DisplayName, Weight: o.Weight, KeySLI: o.KeySLI}
	v, ok := values[o.SLI]
	switch {
	case consumed[o.SLI]:
		res.Error = "the value was used by an earlier objective for the same SLI"
		ok = false
	case !ok:
		res.Error = "no value"
	case !v.OK():
		res.Error = v.Err
		ok = false
	}
	consumed[o.SLI] = true
	if ok {
		res.Value = &v.Value
	}
	switch {
	case len(o.Pass) == 0:
		res.Status = StatusInfo
		return res
	case !ok && o.IgnoreMissing:
		res.Status = StatusInfo
		res.Error += " (ignored: ignore_missing)"
		return res
	case !ok:
		res.Status = ResultFail
		return res
	}
	history := previousValues(prev, o.SLI)
	var passHeld, warnHeld bool
	res.Pass, passHeld = checkBlocks(o.Pass, v.Value, history, agg)
	if passHeld {
		res.Status = ResultPass
		if hasCriteria(o.Pass) {
			res.Points = float64(o.Weight)
		}
		return res
	}
	if len(o.Warning) > 0 {
		res.Warning, warnHeld = checkBlocks(o.Warning, v.Value, history, agg)
		if warnHeld {
			res.Status, res.Points = ResultWarning, float64(o.Weight)/2
			return res
		}
	}
	res.Status = ResultFail
	return res
}

// hasCriteria reports whether any block has a criterion. Keptn's
// calculateScore (evaluate_sli_handler.go) adds an objective's score to the
// total only when it has pass targets: an objective whose pass blocks are
// all empty passes but earns no points, while its weight still counts in
// the maximum.
func hasCriteria(blocks []Criteria) bool {
	for _, b := range blocks {
		if len(b.Criteria) > 0 {
			return true
		}
	}
	return false
}

// previousValues returns the retrieved values of sli in prev.
func previousValues(prev []Previous, sli string) []float64 {
	var out []float64
	for _, p := range prev {
		if v, ok := p.Values[sli]; ok && v.OK() {
			out = append(out, v.Value)
		}
	}
	return out
}

// checkBlocks checks criteria blocks: all criteria of a block must hold
// (AND); the blocks hold when any block holds (OR).
func checkBlocks(blocks []Criteria, value float64, history []float64, agg string) ([][]Target, bool) {
	out := make([][]Target, 0, len(blocks))
	anyHeld := false
	for _, b := range blocks {
		targets := make([]Target, 0, len(b.Criteria))
		all := true
		for _, raw := range b.Criteria {
			t := checkCriterion(raw, value, history, agg)
			all = all && t.Held
			targets = append(targets, t)
		}
		anyHeld = anyHeld || all
		out = append(out, targets)
	}
	return out, anyHeld
}

func checkCriterion(raw string, value float64, history []float64, agg string) Target {
	t := Target{Criterion: raw}
	c, err := ParseCriterion(raw)
	if err != nil {
		return t // validated files never get here; an unparsable criterion never holds
	}
	if c.Relative && len(history) == 0 {
		t.Held, t.Skipped = true, true
		return t
	}
	target := c.Target(Aggregate(agg, history))
	t.Target = &target
	t.Held = c.Holds(value, target)
	return t
}

// Aggregate reduces values with avg, p50, p90 or p95. Percentiles use
// position p×(n+1) on the sorted values (1-based): below 1 the minimum, at
// or above n the maximum, otherwise linear interpolation.
func Aggregate(fn string, values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	switch fn {
	case "p50":
		return percentile(values, 0.50)
	case "p90":
		return percentile(values, 0.90)
	case "p95":
		return percentile(values, 0.95)
	}
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	return sum / float64(len(values))
}

func percentile(values []float64, p float64) float64 {
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	n := float64(len(s))
	pos := p * (n + 1)
	switch {
	case pos < 1:
		return s[0]
	case pos >= n:
		return s[len(s)-1]
	}
	lo := math.Floor(pos)
	frac := pos - lo
	return s[int(lo)-1] + frac*(s[int(lo)]-s[int(lo)-1])
}

// verdict computes the score and result from the points, as Keptn's
// calculateScore (evaluate_sli_handler.go) does.
func verdict(objectives int, points, maxPoints float64, keyFailed bool, total *TotalScore) (score float64, result, message string) {
	if objectives == 0 {
		return 0, ResultFail, "no SLO objective was provided"
	}
	if total == nil || total.Pass == "" {
		return 0, ResultFail, "the SLO has no total_score.pass"
	}
	passAt, err := ParsePercent(total.Pass)
	if err != nil {
		return 0, ResultFail, fmt.Sprintf("could not parse pass target percentage: %v", err)
	}
	if maxPoints == 0 {
		return 100, ResultPass, "only informational objectives"
	}
	score = 100 * (points / maxPoints) // Keptn's order: 29 of 50 is 57.99999999999999
	switch {
	case keyFailed:
		return score, ResultFail, "a key SLI failed"
	case score >= passAt:
		return score, ResultPass, ""
	}
	if total.Warning != "" {
		warnAt, err := ParsePercent(total.Warning)
		if err != nil {
			return score, ResultFail, fmt.Sprintf("could not parse warning target percentage: %v", err)
		}
		if score >= warnAt {
			return score, ResultWarning, ""
		}
	}
	return score, ResultFail, ""
}
