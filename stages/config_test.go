package stages_test

import (
	"testing"
	"time"

	"github.com/ferrycd/ferry/remediator"
	"github.com/ferrycd/ferry/stages"
)

func TestRemediationScaling(t *testing.T) {
	tests := []struct {
		src  string
		want remediator.ScalingOptions
	}{
		{"settle: 10s\n", remediator.ScalingOptions{ReplicasKey: "replicaCount"}},
		{
			"remediation: {replicasKey: replicas, minReplicas: 1, maxReplicas: 5}\n",
			remediator.ScalingOptions{ReplicasKey: "replicas", Bounds: remediator.Bounds{Min: 1, Max: 5}},
		},
	}
	for _, tt := range tests {
		c, d := stages.ParseConfig("ferry.yaml", []byte(tt.src))
		if c == nil {
			t.Fatal(d.Diagnostics().Error())
		}
		if got := c.Remediation.Scaling(); got != tt.want {
			t.Errorf("%q: Scaling() = %+v, want %+v", tt.src, got, tt.want)
		}
	}
}

func TestHoldInForce(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		until string
		want  bool
	}{
		{"", true},
		{"2026-06-01T13:00:00Z", true},
		{"2026-06-01T12:00:00Z", false},
		{"2026-05-31T00:00:00Z", false},
		{"0001-01-01T00:00:00Z", false},
		{"0001-01-01T00:00:00+01:00", false},
	}
	for _, tt := range tests {
		src := "reason: freeze\n"
		if tt.until != "" {
			src += "until: " + tt.until + "\n"
		}
		h, d := stages.ParseHold("holds/dev.yaml", []byte(src))
		if h == nil {
			t.Fatal(d.Diagnostics().Error())
		}
		if got := h.InForce(now); got != tt.want {
			t.Errorf("until %q: InForce = %v, want %v", tt.until, got, tt.want)
		}
	}
}
