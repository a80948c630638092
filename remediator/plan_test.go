package remediator_test

import (
	"errors"
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/remediator"
)

func TestScale(t *testing.T) {
	tests := []struct {
		cur    int
		value  string
		bounds remediator.Bounds
		want   int
		err    bool
	}{
		{cur: 1, value: "+1", want: 2},
		{cur: 1, value: "1", want: 2}, // a bare N adds N, as in Keptn
		{cur: 1, value: " +2 ", want: 3},
		{cur: 3, value: "-1", want: 2},
		{cur: 3, value: "-5", want: 0},
		{cur: 3, value: "=5", want: 5},
		{cur: 3, value: "=0", want: 0},
		{cur: 4, value: "+50%", want: 6},
		{cur: 4, value: "-50%", want: 2},
		{cur: 5, value: "-50%", want: 3},  // -2.5 truncates to -2
		{cur: 3, value: "+10%", want: 4},  // 0.3 rounds away from zero: +1
		{cur: 3, value: "-10%", want: 2},  // -0.3: -1
		{cur: 0, value: "+50%", want: 1},  // 0 replicas still grow by one
		{cur: 3, value: "+0%", want: 3},   // no change asked, none made
		{cur: 2, value: "-300%", want: 0}, // never below zero
		{cur: 1, value: "+5", bounds: remediator.Bounds{Max: 3}, want: 3},
		{cur: 5, value: "-5", bounds: remediator.Bounds{Min: 2}, want: 2},
		{cur: 1, value: "=10", bounds: remediator.Bounds{Min: 1, Max: 4}, want: 4},
		{cur: 2, value: "=0", bounds: remediator.Bounds{Min: 1, Max: 4}, want: 1},
		{cur: 3, value: "+100%", bounds: remediator.Bounds{Min: 1, Max: 4}, want: 4},
		{cur: 4, value: "+1", bounds: remediator.Bounds{Max: 4}, want: 4},
		{cur: 2, value: "", err: true},
		{cur: 2, value: "x", err: true},
		{cur: 2, value: "+x%", err: true},
		{cur: 2, value: "=x", err: true},
		{cur: 2, value: "1.5", err: true},
	}
	for _, tt := range tests {
		got, err := remediator.Scale(tt.cur, tt.value, tt.bounds)
		if (err != nil) != tt.err || err == nil && got != tt.want {
			t.Errorf("Scale(%d, %q, %+v) = %d, %v; want %d (error %t)", tt.cur, tt.value, tt.bounds, got, err, tt.want, tt.err)
		}
		if tt.err && got != tt.cur {
			t.Errorf("Scale(%d, %q) failed but changed the count to %d", tt.cur, tt.value, got)
		}
	}
}

func TestApply(t *testing.T) {
	scale := func(v any) *remediator.Action { return &remediator.Action{Action: "scaling", Value: v} }
	toggle := func(v any) *remediator.Action { return &remediator.Action{Action: "toggle-feature", Value: v} }
	tests := []struct {
		name      string
		action    *remediator.Action
		overrides map[string]any
		values    map[string]any
		opts      remediator.ScalingOptions
		want      map[string]any
		change    string
		err       string
	}{
		{
			name: "scale up from the values", action: scale("+1"),
			values: map[string]any{"replicaCount": 2},
			want:   map[string]any{"replicaCount": 3}, change: "replicaCount 2 → 3",
		},
		{
			name: "scale from an override decoded as JSON, other overrides kept", action: scale(1),
			overrides: map[string]any{"replicaCount": 2, "EnableItemCache": "on"},
			values:    map[string]any{"replicaCount": float64(2)},
			want:      map[string]any{"replicaCount": 3, "EnableItemCache": "on"}, change: "replicaCount 2 → 3",
		},
		{
			name: "no replica count in the values: 1", action: scale("+100%"),
			want: map[string]any{"replicaCount": 2}, change: "replicaCount 1 → 2",
		},
		{
			name: "another replicas key", action: scale("=3"),
			values: map[string]any{"replicas": 1, "replicaCount": 9},
			opts:   remediator.ScalingOptions{ReplicasKey: "replicas"},
			want:   map[string]any{"replicas": 3}, change: "replicas 1 → 3",
		},
		{
			name: "clamped to the maximum", action: scale("+5"),
			values: map[string]any{"replicaCount": 2},
			opts:   remediator.ScalingOptions{Bounds: remediator.Bounds{Min: 1, Max: 4}},
			want:   map[string]any{"replicaCount": 4}, change: "replicaCount 2 → 4",
		},
		{
			name: "the bounds allow no change", action: scale("-1"),
			values: map[string]any{"replicaCount": 1},
			opts:   remediator.ScalingOptions{Bounds: remediator.Bounds{Min: 1}},
			err:    "replicaCount stays 1: the scaling bounds of ferry.yaml allow no change",
		},
		{
			name: "bounds that contradict", action: scale("+1"),
			opts: remediator.ScalingOptions{Bounds: remediator.Bounds{Min: 5, Max: 2}},
			err:  "scaling bounds 5..2: max must be at least min",
		},
		{name: "a bad scaling value", action: scale("lots"), err: `scaling value "lots": want +N, -N, +N%, -N% or =N replicas`},
		{
			name: "toggles set their keys, in order", action: toggle(map[string]any{"b": true, "a": "on"}),
			overrides: map[string]any{"replicaCount": 2, "a": "off"},
			want:      map[string]any{"replicaCount": 2, "a": "on", "b": true}, change: "a=on, b=true",
		},
		{name: "a toggle that is not a map", action: toggle("on"), err: "togglefeature value on: want a map of values keys to the values to set"},
		{name: "escalate edits nothing", action: &remediator.Action{Action: "escalate"}, err: `action "escalate" edits no values`},
		{name: "rollback edits nothing", action: &remediator.Action{Action: "rollback"}, err: `action "rollback" edits no values`},
		{name: "an external action edits nothing", action: &remediator.Action{Action: "restart-pods"}, err: `action "restart-pods" edits no values`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := maps.Clone(tt.overrides)
			got, change, err := tt.action.Apply(tt.overrides, tt.values, tt.opts)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("overrides (-want +got):\n%s", diff)
			}
			if change != tt.change {
				t.Errorf("change = %q, want %q", change, tt.change)
			}
			if diff := cmp.Diff(before, tt.overrides); diff != "" {
				t.Errorf("Apply modified its input overrides (-before +after):\n%s", diff)
			}
		})
	}
}

func TestApplyNoChangeIsErrNoChange(t *testing.T) {
	a := &remediator.Action{Action: "scaling", Value: "+1"}
	_, _, err := a.Apply(nil, map[string]any{"replicaCount": 3}, remediator.ScalingOptions{Bounds: remediator.Bounds{Max: 3}})
	if !errors.Is(err, remediator.ErrNoChange) {
		t.Errorf("err = %v, want ErrNoChange", err)
	}
}

func TestPlan(t *testing.T) {
	src := `apiVersion: spec.keptn.sh/0.1.4
kind: Remediation
metadata: {name: r}
spec:
  remediations:
    - problemType: default
      actionsOnOpen: [{action: escalate, name: tell someone}]
    - problemType: Response time degradation
      actionsOnOpen: [{action: scaling, value: "+1"}, {action: togglefeature, value: {EnableItemCache: "on"}}]
    - problemType: Nothing to do
      actionsOnOpen: []
`
	rem, d := remediator.ParseRemediation("remediation.yaml", []byte(src), nil)
	if rem == nil {
		t.Fatal(d.Diagnostics().Error())
	}
	tests := []struct {
		name        string
		rem         *remediator.Remediation
		problemType string
		taken       int
		want        string // the kind of the next action, "" when none is left
	}{
		{"first action", rem, "Response time degradation", 0, remediator.ActionScaling},
		{"second after the first failed", rem, "Response time degradation", 1, remediator.ActionToggleFeature},
		{"none left after both", rem, "Response time degradation", 2, ""},
		{"an unknown problem gets the default's", rem, "cpu", 0, remediator.ActionEscalate},
		{"the default's escalation, once", rem, "cpu", 1, ""},
		{"a problem listed without actions", rem, "Nothing to do", 0, ""},
		{"no remediation file", nil, "cpu", 0, ""},
		{"a negative count", rem, "cpu", -1, ""},
	}
	for _, tt := range tests {
		plan := remediator.PlanFor(tt.rem, tt.problemType)
		a, ok := plan.Next(tt.taken)
		got := ""
		if ok {
			got = a.Kind()
		}
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: Next(%d) = %q, %t; want %q", tt.name, tt.taken, got, ok, tt.want)
		}
	}
}
