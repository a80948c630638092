package dashboard

import (
	"slices"
	"strings"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/status"
)

// Series kinds: what a line means, and how the page draws it.
const (
	kindValue   = "value"
	kindPass    = "pass"
	kindWarning = "warning"
	kindScore   = "score"
)

// chart is the data of one chart: one point per recorded evaluation on a
// shared time axis, and the problems of the stage as bands on it. The page
// draws it with uPlot and shows the same numbers in a table.
type chart struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Stage string `json:"stage"`
	// X are the evaluation times, seconds since the epoch.
	X      []float64 `json:"x"`
	Series []series  `json:"series"`
	Bands  []band    `json:"bands"`
	// Results are the verdicts, one per point: the evaluation's on the
	// score chart, the SLI's own status on an SLI's chart.
	Results []string `json:"results"`
	// Times are the points' times as people read them (the table's).
	Times []string `json:"-"`
}

// series is one line of a chart; a nil value is a gap.
type series struct {
	Label  string     `json:"label"`
	Kind   string     `json:"kind"`
	Values []*float64 `json:"values"`
}

// band is a time range drawn behind a chart: an open problem.
type band struct {
	From  float64 `json:"from"`
	To    float64 `json:"to"`
	Label string  `json:"label"`
}

// stageCharts returns a stage's charts: the score over time, then one per
// SLI with its pass and warning thresholds. recs are oldest first.
func stageCharts(stage string, recs []*evaluator.Record, problems []status.Problem) []chart {
	var x []float64
	var times, results []string
	score := series{Label: "score", Kind: kindScore}
	for _, r := range recs {
		x = append(x, unix(r.EvaluatedAt))
		times = append(times, r.EvaluatedAt.UTC().Format("2006-01-02 15:04:05Z"))
		results = append(results, r.Result)
		v := r.Score
		score.Values = append(score.Values, &v)
	}
	var bands []band
	for _, p := range problems {
		b := band{From: unix(p.Opened), To: unix(p.Ended), Label: p.ProblemType + " (" + string(p.Status) + ")"}
		if p.Ended.IsZero() {
			b.To = max(b.From, x[len(x)-1])
		}
		bands = append(bands, b)
	}
	mk := func(id, title string, ss []series, results []string) chart {
		return chart{ID: id, Title: title, Stage: stage, X: x, Series: ss, Bands: bands, Results: results, Times: times}
	}
	out := []chart{mk(chartID(stage, "score"), "Score in "+stage, []series{score}, results)}
	for _, sli := range sliOrder(recs) {
		out = append(out, mk(chartID(stage, sli.name), sli.title+" in "+stage, sliSeries(recs, sli.name), sliResults(recs, sli.name)))
	}
	return out
}

// sliResults are an SLI's own statuses, one per evaluation: pass,
// warning, fail or info as its objective was judged, "–" where the
// evaluation had no objective for it.
func sliResults(recs []*evaluator.Record, sli string) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = "–"
		if k := slices.IndexFunc(r.Objectives, func(o evaluator.ObjectiveResult) bool { return o.SLI == sli }); k >= 0 && r.Objectives[k].Status != "" {
			out[i] = r.Objectives[k].Status
		}
	}
	return out
}

type sliName struct{ name, title string }

// sliOrder lists the SLIs of the records in SLO file order, newest file
// first.
func sliOrder(recs []*evaluator.Record) []sliName {
	var out []sliName
	for i := len(recs) - 1; i >= 0; i-- {
		for _, o := range recs[i].Objectives {
			if !slices.ContainsFunc(out, func(s sliName) bool { return s.name == o.SLI }) {
				t := o.DisplayName
				if t == "" {
					t = o.SLI
				}
				out = append(out, sliName{o.SLI, t})
			}
		}
	}
	return out
}

// sliSeries returns an SLI's values and one series per pass or warning
// criterion, each point the target the evaluation compared with.
func sliSeries(recs []*evaluator.Record, sli string) []series {
	value := series{Label: "value", Kind: kindValue, Values: make([]*float64, len(recs))}
	var limits []series
	for i, r := range recs {
		k := slices.IndexFunc(r.Objectives, func(o evaluator.ObjectiveResult) bool { return o.SLI == sli })
		if k < 0 {
			if v, ok := r.Values[sli]; ok && v.OK() {
				value.Values[i] = &v.Value
			}
			continue
		}
		o := r.Objectives[k]
		value.Values[i] = o.Value
		for _, c := range []struct {
			kind   string
			blocks [][]evaluator.Target
		}{{kindPass, o.Pass}, {kindWarning, o.Warning}} {
			for _, b := range c.blocks {
				for _, t := range b {
					if t.Target == nil {
						continue
					}
					label := c.kind + " " + t.Criterion
					j := slices.IndexFunc(limits, func(s series) bool { return s.Label == label })
					if j < 0 {
						j = len(limits)
						limits = append(limits, series{Label: label, Kind: c.kind, Values: make([]*float64, len(recs))})
					}
					limits[j].Values[i] = t.Target
				}
			}
		}
	}
	return append([]series{value}, limits...)
}

// chartID is an element id: the stage and the name, letters and digits.
func chartID(stage, name string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
				return r
			}
			return '-'
		}, s)
	}
	return "chart-" + clean(stage) + "-" + clean(name)
}

// Cell returns a series' value at a point, as the table shows it.
func (s series) Cell(i int) string {
	if i >= len(s.Values) || s.Values[i] == nil {
		return "–"
	}
	return evaluator.FormatScore(*s.Values[i])
}
