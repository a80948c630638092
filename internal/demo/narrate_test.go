package demo

import (
	"bytes"
	"testing"
)

func TestUseColor(t *testing.T) {
	for _, tc := range []struct {
		name     string
		noColor  bool
		env      map[string]string
		terminal bool
		want     bool
	}{
		{"terminal", false, nil, true, true},
		{"not a terminal", false, nil, false, false},
		{"--no-color", true, nil, true, false},
		{"NO_COLOR set", false, map[string]string{"NO_COLOR": "1"}, true, false},
		{"NO_COLOR empty", false, map[string]string{"NO_COLOR": ""}, true, true},
		{"TERM=dumb", false, map[string]string{"TERM": "dumb"}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string { return tc.env[k] }
			if got := useColor(tc.noColor, getenv, tc.terminal); got != tc.want {
				t.Errorf("useColor = %v, want %v", got, tc.want)
			}
		})
	}
	if UseColor(&bytes.Buffer{}, false) {
		t.Error("UseColor of a buffer = true, want false")
	}
}
