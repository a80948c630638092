package plan_test

import (
	"os"
	"testing"

	"github.com/ferrycd/ferry/stages/renderer"
)

// TestMain lets the test binary serve as the render worker.
func TestMain(m *testing.M) {
	renderer.MaybeServeWorker()
	os.Exit(m.Run())
}
