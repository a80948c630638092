package demo

import (
	"testing"
	"time"

	"github.com/ferrycd/ferry/stages"
)

func TestScaleDurations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		speed float64
		want  string
	}{
		{"real time", "settle: 2s\nduration: \"10s\"\n", 1, "settle: 2s\nduration: \"10s\"\n"},
		{"halved", "settle: 2s\nduration: \"5s\"\n", 2, "settle: 1000ms\nduration: \"2500ms\"\n"},
		{"never below 100ms", "for: 3s\n", 100, "for: 100ms\n"},
		{"slowed down", "window: 5s\n", 0.5, "window: 10000ms\n"},
		{"milliseconds and words untouched", "settle: 10ms\nname: tests\nmaxReplicas: 5\n", 2, "settle: 10ms\nname: tests\nmaxReplicas: 5\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(scaleDurations([]byte(tc.in), tc.speed)); got != tc.want {
				t.Errorf("scaleDurations(%q, %v) = %q, want %q", tc.in, tc.speed, got, tc.want)
			}
		})
	}
}

// TestExampleFilesLoad checks that the seeded example is still a valid
// project at the speeds the demo is played at, with its waits shortened.
func TestExampleFilesLoad(t *testing.T) {
	for _, tc := range []struct {
		speed  float64
		settle time.Duration
	}{
		{1, 2 * time.Second},
		{2, time.Second},
		{50, 100 * time.Millisecond},
	} {
		files, err := exampleFiles(tc.speed)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := files["services/carts/pin.yaml"]; !ok {
			t.Errorf("speed %v: no services/carts/pin.yaml among %d files", tc.speed, len(files))
		}
		p, diags := stages.Load(files)
		if diags.HasErrors() {
			t.Fatalf("speed %v: the seeded example does not load:\n%v", tc.speed, diags.Err())
		}
		settle, err := time.ParseDuration(p.Config.Settle)
		if err != nil || settle != tc.settle {
			t.Errorf("speed %v: settle %q (%v), want %v", tc.speed, p.Config.Settle, err, tc.settle)
		}
	}
}
