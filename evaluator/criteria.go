package evaluator

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Operators of a criterion, in the order Keptn tries them.
var operators = []string{"<=", "<", "=", ">=", ">"}

// Criterion is one parsed criterion such as "<=800" or "<=+10%".
type Criterion struct {
	// Raw is the criterion as written.
	Raw string
	// Op is one of <=, <, =, >=, >.
	Op string
	// Value is the number after the operator, and after the sign of a
	// relative criterion. It is what strconv.ParseFloat reads there, so it
	// may be NaN, infinite, or negative when a second sign follows the first
	// ("<=+-5" adds -5 to the aggregate), as in Keptn.
	Value float64
	// Relative criteria compare with an aggregate of previous results.
	Relative bool
	// Percent criteria change the aggregate by Value percent.
	Percent bool
	// Negative relative criteria decrease the aggregate.
	Negative bool
}

// ErrInvalidCriterion reports a criterion that does not parse.
var ErrInvalidCriterion = errors.New("invalid criteria string")

// ParseCriterion parses a criterion exactly as Keptn's lighthouse does
// (parseCriteriaString in lighthouse-service/event_handler/
// evaluate_sli_handler.go): spaces (U+0020 only) are removed; the operator
// is the first of <=, <, =, >=, > that prefixes the string; a trailing %
// makes it relative and an increase; then a leading - or + makes it
// relative (- a decrease); what is left is read by strconv.ParseFloat,
// which also takes exponents ("1e3"), hexadecimal floats ("0x1p4"),
// "Inf" and "NaN", and a second sign. Anything ParseFloat rejects (out of
// range included) is an invalid criterion.
func ParseCriterion(raw string) (Criterion, error) {
	s := strings.ReplaceAll(raw, " ", "")
	c := Criterion{Raw: raw}
	for _, op := range operators {
		if strings.HasPrefix(s, op) {
			c.Op = op
			break
		}
	}
	if c.Op == "" {
		return c, fmt.Errorf("%w %q: no operator (want <=, <, =, >= or >)", ErrInvalidCriterion, raw)
	}
	num := s[len(c.Op):]
	if p, ok := strings.CutSuffix(num, "%"); ok {
		c.Percent, c.Relative, num = true, true, p
	}
	switch {
	case strings.HasPrefix(num, "-"):
		c.Relative, c.Negative, num = true, true, num[1:]
	case strings.HasPrefix(num, "+"):
		c.Relative, num = true, num[1:]
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return c, fmt.Errorf("%w %q: %q is not a number", ErrInvalidCriterion, raw, num)
	}
	c.Value = v
	return c, nil
}

// plainNumber reads a total_score threshold: decimal digits with at most
// one point, nothing else (no sign, exponent, hex digits, underscores, NaN
// or Inf), so it is finite and not negative.
func plainNumber(s string) (float64, bool) {
	if s == "" || strings.Trim(s, "0123456789.") != "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// Target returns the threshold the criterion compares a value with: the
// number itself, or for relative criteria the aggregate of previous values
// changed as the criterion says.
func (c Criterion) Target(aggregate float64) float64 {
	if !c.Relative {
		return c.Value
	}
	switch {
	case c.Percent && c.Negative:
		return aggregate * (100 - c.Value) / 100
	case c.Percent:
		return aggregate * (100 + c.Value) / 100
	case c.Negative:
		return aggregate - c.Value
	default:
		return aggregate + c.Value
	}
}

// Holds reports whether value satisfies the criterion against target.
func (c Criterion) Holds(value, target float64) bool {
	switch c.Op {
	case "<=":
		return value <= target
	case "<":
		return value < target
	case "=":
		return value == target
	case ">=":
		return value >= target
	case ">":
		return value > target
	}
	return false
}
