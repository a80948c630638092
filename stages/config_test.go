package stages_test

import (
	"testing"

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
