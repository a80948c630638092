package giteatest_test

import (
	"os"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/internal/giteatest"
)

// TestVersion keeps Version, where the tests look for the binary, in step
// with the Gitea that hack/gitea/go.mod builds.
func TestVersion(t *testing.T) {
	data, err := os.ReadFile("../../hack/gitea/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "code.gitea.io/gitea" {
			if f[1] != giteatest.Version {
				t.Errorf("hack/gitea/go.mod requires code.gitea.io/gitea %s; giteatest.Version is %s", f[1], giteatest.Version)
			}
			return
		}
	}
	t.Error("hack/gitea/go.mod: no requirement of code.gitea.io/gitea")
}
