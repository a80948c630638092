package evaluator

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ferrycd/ferry/internal/yamlfile"
)

// SLO is a Keptn slo.yaml (spec_version 0.1.x or 1.0).
type SLO struct {
	SpecVersion string            `yaml:"spec_version" json:"spec_version"`
	Filter      map[string]string `yaml:"filter" json:"filter,omitempty"`
	Comparison  *Comparison       `yaml:"comparison" json:"comparison,omitempty"`
	Objectives  []*Objective      `yaml:"objectives" json:"objectives"`
	TotalScore  *TotalScore       `yaml:"total_score" json:"total_score,omitempty"`
}

// Comparison says which previous results relative criteria compare with.
type Comparison struct {
	CompareWith               string `yaml:"compare_with" json:"compare_with"`
	IncludeResultWithScore    string `yaml:"include_result_with_score" json:"include_result_with_score"`
	NumberOfComparisonResults int    `yaml:"number_of_comparison_results" json:"number_of_comparison_results"`
	AggregateFunction         string `yaml:"aggregate_function" json:"aggregate_function"`
}

// Objective scores one SLI.
type Objective struct {
	SLI         string     `yaml:"sli" json:"sli"`
	DisplayName string     `yaml:"displayName" json:"displayName,omitempty"`
	Pass        []Criteria `yaml:"pass" json:"pass,omitempty"`
	Warning     []Criteria `yaml:"warning" json:"warning,omitempty"`
	Weight      int        `yaml:"weight" json:"weight"`
	KeySLI      bool       `yaml:"key_sli" json:"key_sli,omitempty"`
	// IgnoreMissing is ferry's extension: a missing value leaves the
	// objective out of the score instead of failing it.
	IgnoreMissing bool `yaml:"ignore_missing" json:"ignore_missing,omitempty"`
}

// Criteria is one block of criteria, all of which must hold. A list of
// blocks holds when any block holds.
type Criteria struct {
	Criteria []string `yaml:"criteria" json:"criteria"`
}

// TotalScore holds the pass and warning thresholds in percent.
type TotalScore struct {
	Pass    string `yaml:"pass" json:"pass"`
	Warning string `yaml:"warning" json:"warning,omitempty"`
}

// Comparison values.
const (
	CompareSingle   = "single_result"
	CompareSeveral  = "several_results"
	IncludeAll      = "all"
	IncludePass     = "pass"
	IncludePassWarn = "pass_or_warn"
	AggregateAvg    = "avg"
)

// Aggregates are the aggregate functions ferry accepts. Keptn silently used
// 0 for any other name; ferry rejects it.
var Aggregates = []string{"avg", "p50", "p90", "p95"}

// ParseSLO parses and validates an SLO file and fills Keptn's defaults:
// null objectives are dropped, weight 0 becomes 1, and the comparison block
// gets lighthouse's defaults.
func ParseSLO(file string, data []byte) (*SLO, *yamlfile.Doc) {
	var s SLO
	d := yamlfile.Decode(file, data, &s)
	if d.HasErrors() {
		return nil, d
	}
	s.validate(d)
	if d.HasErrors() {
		return nil, d
	}
	s.setDefaults()
	return &s, d
}

func (s *SLO) validate(d *yamlfile.Doc) {
	switch {
	case !d.Has("spec_version"):
		d.Warnf("", "no spec_version (want \"1.0\")")
	case s.SpecVersion == "":
		d.Warnf("spec_version", "spec_version is empty (want \"1.0\")")
	case s.SpecVersion != "1.0" && !strings.HasPrefix(s.SpecVersion, "0.1."):
		d.Errorf("spec_version", "unsupported spec_version %q (want 1.0 or 0.1.x)", s.SpecVersion)
	}
	if s.Comparison != nil {
		s.Comparison.validate(d)
	}
	s.validateObjectives(d)
	s.validateTotal(d)
}

func (c *Comparison) validate(d *yamlfile.Doc) {
	check := func(field, val string, fold bool, allowed ...string) {
		key := val
		if fold {
			key = strings.ToLower(val)
		}
		if val != "" && !slices.Contains(allowed, key) {
			d.Errorf("comparison."+field, "%s must be one of %s, got %q", field, strings.Join(allowed, ", "), val)
		}
	}
	check("compare_with", c.CompareWith, false, CompareSingle, CompareSeveral)
	// Keptn lower-cases include_result_with_score before it filters.
	check("include_result_with_score", c.IncludeResultWithScore, true, IncludeAll, IncludePass, IncludePassWarn)
	check("aggregate_function", c.AggregateFunction, false, Aggregates...)
	if c.NumberOfComparisonResults < 0 {
		d.Errorf("comparison.number_of_comparison_results", "must not be negative")
	}
	if c.CompareWith == "" && c.NumberOfComparisonResults > 0 && c.NumberOfComparisonResults != 3 {
		d.Warnf("comparison.number_of_comparison_results", "number_of_comparison_results is used only with compare_with: several_results; without compare_with, as in Keptn, relative criteria compare with 3 results")
	}
}

func (s *SLO) validateObjectives(d *yamlfile.Doc) {
	if len(s.Objectives) == 0 {
		d.Warnf("objectives", "no objectives: every evaluation with this file fails")
	}
	seen := map[string]int{}
	for i, o := range s.Objectives {
		path := fmt.Sprintf("objectives[%d]", i)
		if o == nil {
			continue
		}
		if strings.TrimSpace(o.SLI) == "" {
			d.Errorf(path, "objective needs an sli name")
			continue
		}
		if j, dup := seen[o.SLI]; dup {
			d.Warnf(path+".sli", "sli %q is scored again (first in objectives[%d]); as in Keptn, the second objective gets no value and fails", o.SLI, j)
		}
		seen[o.SLI] = i
		if o.Weight < 0 {
			d.Errorf(path+".weight", "weight must not be negative")
		}
		validateBlocks(d, path+".pass", o.Pass)
		validateBlocks(d, path+".warning", o.Warning)
		if len(o.Pass) == 0 && len(o.Warning) > 0 {
			d.Warnf(path+".warning", "warning criteria without pass criteria are never used: the objective is informational")
		}
	}
}

func validateBlocks(d *yamlfile.Doc, path string, blocks []Criteria) {
	for i, b := range blocks {
		if len(b.Criteria) == 0 {
			d.Warnf(fmt.Sprintf("%s[%d]", path, i), "a criteria block without criteria always holds; as in Keptn, an objective whose pass blocks are all empty passes but earns no points")
		}
		for j, raw := range b.Criteria {
			c, err := ParseCriterion(raw)
			switch {
			case err != nil:
				d.Errorf(fmt.Sprintf("%s[%d].criteria[%d]", path, i, j), "%v", err)
			case math.IsNaN(c.Value):
				d.Warnf(fmt.Sprintf("%s[%d].criteria[%d]", path, i, j), "criterion %q compares with NaN: it never holds", raw)
			}
		}
	}
}

func (s *SLO) validateTotal(d *yamlfile.Doc) {
	if s.TotalScore == nil || s.TotalScore.Pass == "" {
		d.Warnf("total_score", "no total_score.pass: every evaluation with this file fails")
		if s.TotalScore == nil {
			return
		}
	}
	if s.TotalScore.Pass != "" {
		if _, err := ParsePercent(s.TotalScore.Pass); err != nil {
			d.Errorf("total_score.pass", "%v", err)
		}
	}
	if s.TotalScore.Warning != "" {
		if _, err := ParsePercent(s.TotalScore.Warning); err != nil {
			d.Errorf("total_score.warning", "%v", err)
		}
	}
}

// ParsePercent reads a total_score threshold: a number from 0 to 100 with
// an optional trailing % ("90" = "90%"), digits and a point only (no sign,
// exponent, NaN or Inf). Keptn read it with strconv.ParseFloat; ferry
// rejects what would make every gate fail (NaN, above 100) or pass
// (negative, -Inf) when the file is validated.
func ParsePercent(s string) (float64, error) {
	v, ok := plainNumber(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if !ok || v > 100 {
		return 0, fmt.Errorf("%q is not a percentage such as 90%%: want a number from 0 to 100, without sign or exponent", s)
	}
	return v, nil
}

// setDefaults applies lighthouse's defaults: those of parseSLO
// (lighthouse-service/event_handler/common.go) and the number of previous
// results of processGetSliFinishedEvent (evaluate_sli_handler.go): 1 for
// single_result, number_of_comparison_results for several_results, else 3.
func (s *SLO) setDefaults() {
	objs := s.Objectives[:0]
	for _, o := range s.Objectives {
		if o == nil {
			continue
		}
		if o.Weight == 0 {
			o.Weight = 1
		}
		objs = append(objs, o)
	}
	s.Objectives = objs
	if s.Comparison == nil {
		s.Comparison = &Comparison{CompareWith: CompareSingle, IncludeResultWithScore: IncludeAll, NumberOfComparisonResults: 1, AggregateFunction: AggregateAvg}
		return
	}
	c := s.Comparison
	c.IncludeResultWithScore = strings.ToLower(c.IncludeResultWithScore)
	if c.IncludeResultWithScore == "" {
		c.IncludeResultWithScore = IncludeAll
	}
	if c.NumberOfComparisonResults == 0 {
		c.NumberOfComparisonResults = 3
	}
	if c.AggregateFunction == "" {
		c.AggregateFunction = AggregateAvg
	}
	switch c.CompareWith {
	case CompareSingle:
		c.NumberOfComparisonResults = 1
	case CompareSeveral:
	default:
		// A block without compare_with compares with 3 results, whatever
		// number_of_comparison_results says.
		c.NumberOfComparisonResults = 3
	}
}

// SLIs returns the SLI names the objectives use, in file order.
func (s *SLO) SLIs() []string {
	var out []string
	seen := map[string]bool{}
	for _, o := range s.Objectives {
		if o != nil && !seen[o.SLI] {
			seen[o.SLI] = true
			out = append(out, o.SLI)
		}
	}
	return out
}
