package stages_test

import (
	"strings"
	"testing"

	"github.com/ferrycd/ferry/stages"
)

// A service whose own files are invalid is left out of the project with
// its errors; the other services load. An invalid project-wide file still
// fails the whole project.
func TestLoadIsolatedLeavesOutInvalidServices(t *testing.T) {
	files := loadTxtar(t, "sockshop.txtar")
	files["services/carts/values.yaml"] = []byte("replicaCount: [\n")
	p, diags := stages.LoadIsolated(files)
	if p == nil {
		t.Fatalf("one invalid service fails the project: %v", diags)
	}
	if _, ok := p.Services["carts"]; ok {
		t.Errorf("carts is loaded although its values.yaml is invalid")
	}
	if err := p.Invalid["carts"]; err == nil || !strings.Contains(err.Error(), "services/carts/values.yaml:") {
		t.Errorf("Invalid[carts] = %v, want the error with its file", err)
	}
	if len(p.Services) == 0 {
		t.Errorf("the other services are left out too")
	}
	if !diags.HasErrors() {
		t.Errorf("the diagnostics must still carry carts' error")
	}

	files = loadTxtar(t, "sockshop.txtar")
	files["shipyard.yaml"] = []byte("apiVersion: [\n")
	if p, _ := stages.LoadIsolated(files); p != nil {
		t.Errorf("an invalid shipyard must fail the whole project")
	}
}
