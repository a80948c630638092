package demo

import (
	"io"
	"math"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	o := Options{}
	if err := o.Validate(); err != nil {
		t.Fatalf("Validate of zero options: %v", err)
	}
	if o.Speed != DefaultSpeed || o.Out != io.Discard {
		t.Errorf("defaults: speed %v, out %v; want %v and io.Discard", o.Speed, o.Out, DefaultSpeed)
	}
	for _, speed := range []float64{-1, math.NaN(), math.Inf(1)} {
		o := Options{Speed: speed}
		if err := o.Validate(); err == nil {
			t.Errorf("Validate accepts speed %v", speed)
		}
	}
}
