package evaluator_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ferrycd/ferry/evaluator"
)

func TestParseCriterion(t *testing.T) {
	tests := []struct {
		raw                         string
		op                          string
		value                       float64
		relative, percent, negative bool
	}{
		{"<=800", "<=", 800, false, false, false},
		{"< 1.5", "<", 1.5, false, false, false},
		{"<=+10%", "<=", 10, true, true, false},
		{"<=10%", "<=", 10, true, true, false},
		{">=-5", ">=", 5, true, false, true},
		{"<-5", "<", 5, true, false, true},
		{"=+1", "=", 1, true, false, false},
		{"> = 3", ">=", 3, false, false, false},
		{"=0%", "=", 0, true, true, false},
		// What strconv.ParseFloat reads, Keptn's parseCriteriaString reads.
		{"<=1e3", "<=", 1000, false, false, false},
		{"<=1E3", "<=", 1000, false, false, false},
		{"<=+5", "<=", 5, true, false, false},
		{">=.5", ">=", 0.5, false, false, false},
		{"<=5.", "<=", 5, false, false, false},
		{"<=0x1p4", "<=", 16, false, false, false},
		{"<=1_000", "<=", 1000, false, false, false},
		{"<=Inf", "<=", math.Inf(1), false, false, false},
		{"<=infinity", "<=", math.Inf(1), false, false, false},
		{">-Inf", ">", math.Inf(1), true, false, true},
		{"<=--1", "<=", -1, true, false, true},
		{"<=+-5%", "<=", -5, true, true, false},
		{"<=-+5%", "<=", 5, true, true, true},
	}
	for _, tt := range tests {
		c, err := evaluator.ParseCriterion(tt.raw)
		if err != nil {
			t.Errorf("ParseCriterion(%q): %v", tt.raw, err)
			continue
		}
		if c.Op != tt.op || c.Value != tt.value || c.Relative != tt.relative || c.Percent != tt.percent || c.Negative != tt.negative {
			t.Errorf("ParseCriterion(%q) = %+v", tt.raw, c)
		}
	}
	if c, err := evaluator.ParseCriterion("<=NaN"); err != nil || !math.IsNaN(c.Value) || c.Relative {
		t.Errorf("ParseCriterion(<=NaN) = %+v, %v", c, err)
	}
	for _, bad := range []string{
		"", "800", "invalid", "<<='", "<=fast", "<=+", "<=%", "<=+%", "|5", "=<5", "<=10%%", "<=5ms",
		"<=0x10",    // a hexadecimal float needs a p exponent
		"<=1__0",    // underscores only between digits
		"<=1e400",   // out of range
		"<=\t5",     // only spaces are removed
		"<=5\n",     // only spaces are removed
		"<=\u00a05", // only spaces are removed
	} {
		if _, err := evaluator.ParseCriterion(bad); err == nil {
			t.Errorf("ParseCriterion(%q) accepted", bad)
		}
	}
}

// TestCriterionChecks are the criterion checks of QUALITY-GATES.md, from
// Keptn's own tests: previous values [10, 10], avg 10.
func TestCriterionChecks(t *testing.T) {
	const avg = 10.0
	tests := []struct {
		value float64
		crit  string
		want  bool
	}{
		{11.01, "<=+10%", false},
		{10, "<+0%", false},
		{11, "=+1", true},
		{9, "=-1", true},
		{10, ">=-10%", true},
		{10, "<=15.0", true},
		{16, "<=15.0", false},
		{11, "<=+10%", true},
	}
	for _, tt := range tests {
		c, err := evaluator.ParseCriterion(tt.crit)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Holds(tt.value, c.Target(avg)); got != tt.want {
			t.Errorf("%v %s (target %v) = %v, want %v", tt.value, tt.crit, c.Target(avg), got, tt.want)
		}
	}
}

func FuzzParseCriterion(f *testing.F) {
	for _, s := range []string{"<=800", "<=+10%", ">=-5", "=0%", "<<='", "invalid", "<=1e3", "<=NaN", "<=+-5%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := evaluator.ParseCriterion(raw)
		if err != nil {
			return
		}
		if (c.Percent || c.Negative) && !c.Relative {
			t.Fatalf("%q: percent or negative but absolute: %+v", raw, c)
		}
		again, err := evaluator.ParseCriterion(c.Raw)
		if err != nil || !cmp.Equal(again, c, cmpopts.EquateNaNs()) {
			t.Fatalf("reparse of %q differs: %+v vs %+v (%v)", raw, again, c, err)
		}
	})
}
