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

func TestSubscriptionValidation(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"valid", "subscriptions:\n  - tasks: [test, notify]\n    url: https://tests.example.com/events\n    stages: [dev]\n", ""},
		{
			"relative url", "subscriptions:\n  - tasks: [test]\n    url: /events\n",
			`ferry.yaml:3:10: subscriptions[0].url: url "/events" must be an absolute http or https URL, e.g. https://tests.example.com/events`,
		},
		{
			"other scheme", "subscriptions:\n  - tasks: [test]\n    url: ftp://tests.example.com/\n",
			`ferry.yaml:3:10: subscriptions[0].url: url "ftp://tests.example.com/" must be an absolute http or https URL, e.g. https://tests.example.com/events`,
		},
		{
			"credentials never shown", "subscriptions:\n  - tasks: [test]\n    url: mailto://user:pw@/x\n",
			`ferry.yaml:3:10: subscriptions[0].url: url "mailto://***@/x" must be an absolute http or https URL, e.g. https://tests.example.com/events`,
		},
		{
			"no tasks", "subscriptions:\n  - url: http://tests:8080/\n    tasks: []\n",
			"ferry.yaml:3:12: subscriptions[0].tasks: a subscription needs at least one task, e.g. tasks: [test]",
		},
		{
			"ferry's own task", "subscriptions:\n  - url: http://tests:8080/\n    tasks: [test, evaluation]\n",
			"ferry.yaml:3:19: subscriptions[0].tasks[1]: ferry runs evaluation itself: only test and external tasks are announced",
		},
		{
			"bad task name", "subscriptions:\n  - url: http://tests:8080/\n    tasks: [Load.Test]\n",
			`ferry.yaml:3:13: subscriptions[0].tasks[0]: task name "Load.Test" must start with a lower-case letter and hold only lower-case letters, digits and '-', not ending in '-'`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, d := stages.ParseConfig("ferry.yaml", []byte(tt.src))
			got := ""
			if c == nil {
				got = d.Diagnostics().Error()
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestApprovalTimeout(t *testing.T) {
	tests := []struct {
		name, src string
		want      map[string]time.Duration // by stage
		err       string
	}{
		{name: "default", src: "settle: 10s\n", want: map[string]time.Duration{"production": 168 * time.Hour}},
		{
			name: "per stage", src: "stages:\n  production:\n    approvalTimeout: 72h\n  staging:\n    concurrency: latest\n",
			want: map[string]time.Duration{"production": 72 * time.Hour, "staging": stages.DefaultApprovalTimeout, "dev": stages.DefaultApprovalTimeout},
		},
		{
			name: "not a duration", src: "stages:\n  production:\n    approvalTimeout: 3 days\n",
			err: `ferry.yaml:3:22: stages.production.approvalTimeout: approvalTimeout "3 days" is not a duration (want e.g. 30s, 15m, 1h)`,
		},
		{
			name: "not positive", src: "stages:\n  production:\n    approvalTimeout: 0s\n",
			err: `ferry.yaml:3:22: stages.production.approvalTimeout: approvalTimeout "0s" must be positive`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, d := stages.ParseConfig("ferry.yaml", []byte(tt.src))
			if c == nil {
				if got := d.Diagnostics().Error(); got != tt.err {
					t.Errorf("got  %s\nwant %s", got, tt.err)
				}
				return
			}
			if tt.err != "" {
				t.Fatalf("no error, want %s", tt.err)
			}
			for stage, want := range tt.want {
				if got := c.ApprovalTimeout(stage); got != want {
					t.Errorf("ApprovalTimeout(%q) = %s, want %s", stage, got, want)
				}
			}
		})
	}
}
