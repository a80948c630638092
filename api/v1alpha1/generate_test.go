package v1alpha1_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/internal/e2e"
)

// TestGenerated fails when zz_generated.deepcopy.go or the
// CustomResourceDefinition in charts/ferry/crds/ is not what controller-gen
// writes from this package: run make generate. It uses the controller-gen
// that hack/controller-gen.sh caches, skips without it, and fails under CI.
func TestGenerated(t *testing.T) {
	bin := controllerGen(t)
	out := t.TempDir()
	cmd := exec.CommandContext(t.Context(), bin,
		"object", "paths=./api/...", "output:object:dir="+filepath.Join(out, "object"),
		"crd", "paths=./api/...", "output:crd:dir="+filepath.Join(out, "crds"))
	cmd.Dir = "../.."
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, msg)
	}
	for _, f := range []struct{ generated, committed string }{
		{filepath.Join(out, "object", "zz_generated.deepcopy.go"), "zz_generated.deepcopy.go"},
		{filepath.Join(out, "crds", "delivery.ferrycd.io_projects.yaml"), "../../charts/ferry/crds/delivery.ferrycd.io_projects.yaml"},
	} {
		want, err := os.ReadFile(f.generated)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(f.committed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, got) {
			t.Errorf("%s is stale: run make generate (-generated +committed):\n%s", f.committed, cmp.Diff(string(want), string(got)))
		}
	}
	// No other file in charts/ferry/crds/.
	entries, err := os.ReadDir(filepath.Join(out, "crds"))
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadDir("../../charts/ferry/crds")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(names(entries), names(committed)); diff != "" {
		t.Errorf("charts/ferry/crds/ files (-generated +committed):\n%s", diff)
	}
}

func names(entries []os.DirEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Name()
	}
	return out
}

// controllerGen returns the controller-gen hack/controller-gen.sh builds:
// the version hack/controller-gen/go.mod requires, in the tools cache.
func controllerGen(tb testing.TB) string {
	tb.Helper()
	data, err := os.ReadFile("../../hack/controller-gen/go.mod")
	if err != nil {
		tb.Fatal(err)
	}
	version := ""
	for line := range strings.Lines(string(data)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "sigs.k8s.io/controller-tools" {
			version = f[1]
		}
	}
	if version == "" {
		tb.Fatal("hack/controller-gen/go.mod: no requirement of sigs.k8s.io/controller-tools")
	}
	bin := filepath.Join(e2e.ToolsDir(), "controller-gen-"+version, "controller-gen")
	if _, err := os.Stat(bin); err != nil {
		msg := "controller-gen: " + err.Error() + "; build it with hack/controller-gen.sh"
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return bin
}
