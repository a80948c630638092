package plan_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/plan"
)

// TestUnifiedDiffMatchesDiffU compares the hunks with those of the
// system's diff -u on the same files.
func TestUnifiedDiffMatchesDiffU(t *testing.T) {
	if _, err := exec.LookPath("diff"); err != nil {
		t.Skip("no diff on this machine")
	}
	lines := func(n int, f func(i int) string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(f(i) + "\n")
		}
		return b.String()
	}
	long := lines(40, func(i int) string { return "line " + string(rune('a'+i%26)) + strings.Repeat("x", i%3) })
	tests := []struct{ name, a, b string }{
		{"one line changed", "a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nD\ne\nf\ng\nh\n"},
		{"added at the end", "a\nb\n", "a\nb\nc\nd\n"},
		{"from nothing", "", "a\nb\n"},
		{"to nothing", "a\nb\n", ""},
		{"two hunks", long, strings.Replace(strings.Replace(long, "line bx\n", "line B\n", 1), "line hxx\n", "", 1)},
		{"close changes merge", long, strings.Replace(strings.Replace(long, "line c", "line C", 1), "line g", "line G", 1)},
		{"everything differs", "a\nb\nc\n", "x\ny\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			fa, fb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			if err := os.WriteFile(fa, []byte(tt.a), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(fb, []byte(tt.b), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("diff", "-u", fa, fb).Output()
			var ee *exec.ExitError
			if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 1) {
				t.Fatal(err)
			}
			want := "--- a\n+++ b\n" + hunksOf(string(out))
			if diff := cmp.Diff(want, plan.UnifiedDiff("a", "b", tt.a, tt.b)); diff != "" {
				t.Errorf("(-diff -u +UnifiedDiff):\n%s", diff)
			}
		})
	}
}

// hunksOf drops diff -u's file header lines.
func hunksOf(out string) string {
	_, rest, _ := strings.Cut(out, "\n")
	_, rest, _ = strings.Cut(rest, "\n")
	return rest
}

func TestUnifiedDiffEqual(t *testing.T) {
	if d := plan.UnifiedDiff("a", "b", "same\n", "same\n"); d != "" {
		t.Errorf("diff of equal texts: %q", d)
	}
}
