package renderer_test

import (
	"context"
	"testing"

	"github.com/ferrycd/ferry/stages/renderer"
)

// BenchmarkRender compares a render in a worker process with one in the
// calling process: the difference is the cost of isolation. "worker-cold"
// starts a worker for each render, as the first render after an idle
// minute or a kill does.
func BenchmarkRender(b *testing.B) {
	cases := []struct {
		name   string
		render func(context.Context, *renderer.Request, renderer.Options) ([]byte, error)
		cold   bool
	}{
		{"in-process", renderer.RenderInProcess, false},
		{"worker", renderer.Render, false},
		{"worker-cold", renderer.Render, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			defer renderer.CloseIdleWorkers()
			for b.Loop() {
				if c.cold {
					renderer.CloseIdleWorkers()
				}
				if _, err := c.render(context.Background(), request(normal, values()), renderer.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
