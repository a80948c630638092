package demo

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// DefaultSpeed plays the story in real time: about 45 seconds.
const DefaultSpeed = 1

// secret authenticates the demo's reports and alerts to ferry.
const secret = "demo"

// Options configure a Run.
type Options struct {
	// Dir is the workspace to create and keep: the repository, the
	// Prometheus TSDB and the clones of ferry, CI and the agent. Empty
	// means a new temporary directory, also kept.
	Dir string
	// Speed divides the story's waits and the example's durations. Zero
	// means DefaultSpeed.
	Speed float64
	// Out receives the narration. Nil means io.Discard.
	Out io.Writer
	// Color wraps narration lines in ANSI colours (see UseColor).
	Color bool
	// UI is the address to serve the dashboard on while the story plays
	// and, after it, until the context ends. Empty: no dashboard.
	UI string
}

// Validate fills defaults and reports every invalid option.
func (o *Options) Validate() error {
	var errs []error
	switch {
	case o.Speed == 0:
		o.Speed = DefaultSpeed
	case o.Speed < 0 || math.IsNaN(o.Speed) || math.IsInf(o.Speed, 0):
		errs = append(errs, fmt.Errorf("speed %v: must be a positive number", o.Speed))
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	return errors.Join(errs...)
}
