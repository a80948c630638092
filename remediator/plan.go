package remediator

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Plan is the actions a remediation file lists for one problem, in the
// order they are tried: one at a time, the next when the last one did not
// fix the problem.
type Plan []*Action

// PlanFor returns the plan for a problem type in rem (see
// [Remediation.Actions]). A nil rem has no plan: the problem is escalated
// at once.
func PlanFor(rem *Remediation, problemType string) Plan {
	if rem == nil {
		return nil
	}
	return rem.Actions("", problemType)
}

// Next returns the action to take after taken actions, or false when none
// is left: the problem is then escalated.
func (p Plan) Next(taken int) (*Action, bool) {
	if taken < 0 || taken >= len(p) {
		return nil, false
	}
	return p[taken], true
}

// DefaultReplicasKey is the values key scaling edits unless told otherwise.
const DefaultReplicasKey = "replicaCount"

// ErrNoChange is returned by [Action.Apply] when the scaling bounds keep
// the replica count where it is.
var ErrNoChange = errors.New("the scaling bounds of ferry.yaml allow no change")

// Bounds limit the replica count scaling sets; 0 leaves a side unbounded.
type Bounds struct {
	Min, Max int
}

// Clamp returns n within the bounds.
func (b Bounds) Clamp(n int) int {
	if b.Min > 0 && n < b.Min {
		n = b.Min
	}
	if b.Max > 0 && n > b.Max {
		n = b.Max
	}
	return n
}

// ScalingOptions say how scaling actions edit values; the remediation
// settings of ferry.yaml fill them.
type ScalingOptions struct {
	// ReplicasKey is the values key holding the replica count. Default
	// "replicaCount".
	ReplicasKey string
	// Bounds limit the replica count.
	Bounds Bounds
}

// Validate fills defaults and reports every problem at once.
func (o *ScalingOptions) Validate() error {
	if o.ReplicasKey == "" {
		o.ReplicasKey = DefaultReplicasKey
	}
	var errs []error
	if o.Bounds.Min < 0 || o.Bounds.Max < 0 {
		errs = append(errs, fmt.Errorf("scaling bounds %d..%d: must not be negative", o.Bounds.Min, o.Bounds.Max))
	}
	if o.Bounds.Max > 0 && o.Bounds.Max < o.Bounds.Min {
		errs = append(errs, fmt.Errorf("scaling bounds %d..%d: max must be at least min", o.Bounds.Min, o.Bounds.Max))
	}
	return errors.Join(errs...)
}

// Scale applies a scaling value to a replica count: +N and a bare N (as in
// Keptn) add N, -N removes N, =N sets N, +N% and -N% change it by that
// share of the current count, truncated toward zero but by at least one
// replica. The result is never below 0 and is then clamped to the bounds.
func Scale(current int, value string, b Bounds) (int, error) {
	v := strings.TrimSpace(value)
	var next int
	switch {
	case strings.HasPrefix(v, "="):
		n, err := strconv.Atoi(v[1:])
		if err != nil {
			return current, scalingValueError(value)
		}
		next = n
	case strings.HasSuffix(v, "%"):
		pct, err := strconv.Atoi(strings.TrimSuffix(v, "%"))
		if err != nil {
			return current, scalingValueError(value)
		}
		delta := current * pct / 100
		if delta == 0 && pct != 0 {
			delta = pct / abs(pct)
		}
		next = current + delta
	default:
		n, err := strconv.Atoi(v)
		if err != nil {
			return current, scalingValueError(value)
		}
		next = current + n
	}
	return b.Clamp(max(next, 0)), nil
}

func scalingValueError(v string) error {
	return fmt.Errorf("scaling value %q: want +N, -N, +N%%, -N%% or =N replicas", v)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Apply returns the runtime overrides of a stage after a scaling or
// togglefeature action, and the change in words ("replicaCount 1 → 2",
// "EnableItemCache=on, Other=false"). overrides are the stage's overrides
// before the action and are not modified; values are the values in force,
// overrides included, from which scaling reads the current replica count
// (1 when unset). Other actions edit no values and return an error, as do
// scaling bounds that allow no change ([ErrNoChange]).
func (a *Action) Apply(overrides, values map[string]any, opts ScalingOptions) (map[string]any, string, error) {
	next := maps.Clone(overrides)
	if next == nil {
		next = map[string]any{}
	}
	switch a.Kind() {
	case ActionScaling:
		if err := opts.Validate(); err != nil {
			return nil, "", err
		}
		key := opts.ReplicasKey
		cur, ok := toInt(values[key])
		if !ok {
			cur = 1
		}
		n, err := Scale(cur, fmt.Sprint(a.Value), opts.Bounds)
		if err != nil {
			return nil, "", err
		}
		if n == cur {
			return nil, "", fmt.Errorf("%s stays %d: %w", key, cur, ErrNoChange)
		}
		next[key] = n
		return next, fmt.Sprintf("%s %d → %d", key, cur, n), nil
	case ActionToggleFeature:
		m, ok := a.Value.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("togglefeature value %v: want a map of values keys to the values to set", a.Value)
		}
		parts := make([]string, 0, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			next[k] = m[k]
			parts = append(parts, fmt.Sprintf("%s=%v", k, m[k]))
		}
		return next, strings.Join(parts, ", "), nil
	}
	return nil, "", fmt.Errorf("action %q edits no values", a.Action)
}

// toInt reads a replica count from values decoded from YAML or JSON.
func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case uint64:
		return int(x), true
	case float64:
		return int(x), true
	}
	return 0, false
}
