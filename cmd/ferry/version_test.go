package main_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// goCache is the Go build cache as it was before TestMain moved the
// user's cache directory (package variables are set before TestMain runs):
// the stamped build links with the compiled packages there.
var goCache = func() string {
	if c := os.Getenv("GOCACHE"); c != "" {
		return c
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "go-build")
}()

// versionJSON is the shape of ferry version -o json.
type versionJSON struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"goVersion"`
	BuildDate string `json:"buildDate"`
	Platform  string `json:"platform"`
}

func decodeVersion(tb testing.TB, r result) versionJSON {
	tb.Helper()
	if r.code != 0 {
		tb.Fatalf("ferry version: exit %d: %s", r.code, r.stderr)
	}
	var v versionJSON
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("decode ferry version -o json: %v\n%s", err, r.stdout)
	}
	return v
}

// TestVersionUnstamped: a plain go build (as the tests' binary, with
// -buildvcs=false in CI) reports version dev and no commit or date.
func TestVersionUnstamped(t *testing.T) {
	got := decodeVersion(t, ferry(t, t.TempDir(), "version", "-o", "json"))
	want := versionJSON{Version: "dev", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if got.Commit != "" {
		// A build with VCS stamping records the commit; keep the test
		// about the fields.
		want.Commit = got.Commit
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ferry version -o json (-want +got):\n%s", diff)
	}
	human := ferry(t, t.TempDir(), "version")
	if human.code != 0 || !strings.Contains(human.stdout, "version:  dev\n") || !strings.Contains(human.stdout, "go:       "+runtime.Version()+"\n") {
		t.Errorf("ferry version: exit %d, output:\n%s%s", human.code, human.stdout, human.stderr)
	}
}

// TestVersionStamped builds ferry with the -ldflags of make build (as
// releases and the image are built) and reads the stamp back. It takes
// the flags from make -n and links with the tests' build cache, as a full
// make build (-trimpath, no cgo) would compile everything again.
func TestVersionStamped(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	bin := filepath.Join(t.TempDir(), "ferry")
	dry := exec.Command("make", "-n", "-C", filepath.Join("..", ".."), "build", "BIN="+bin,
		"VERSION=v9.8.7-rc.1", "COMMIT=0123456789abcdef0123456789abcdef01234567", "BUILD_DATE=2026-01-02T03:04:05Z")
	out, err := dry.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`-ldflags '([^']*)'`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("make -n build: no -ldflags in\n%s", out)
	}
	build := exec.Command("go", "build", "-ldflags", string(m[1]), "-o", bin, ".")
	if goCache != "" {
		build.Env = append(os.Environ(), "GOCACHE="+goCache)
	}
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -ldflags %q: %v\n%s", m[1], err, out)
	}
	r := runBin(t, bin, "version", "-o", "json")
	want := versionJSON{
		Version:   "v9.8.7-rc.1",
		Commit:    "0123456789abcdef0123456789abcdef01234567",
		GoVersion: runtime.Version(),
		BuildDate: "2026-01-02T03:04:05Z",
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	if diff := cmp.Diff(want, decodeVersion(t, r)); diff != "" {
		t.Errorf("stamped ferry version -o json (-want +got):\n%s", diff)
	}
	human := runBin(t, bin, "version")
	if !strings.Contains(human.stdout, "built:    2026-01-02T03:04:05Z\n") {
		t.Errorf("stamped ferry version does not print the build date:\n%s", human.stdout)
	}
}

func runBin(tb testing.TB, bin string, args ...string) result {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			tb.Fatal(err)
		}
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}
