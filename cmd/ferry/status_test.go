package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/status"
)

func TestStatusOutputs(t *testing.T) {
	d := newDelivered(t)
	r := ferry(t, "", "status", "--repo", d.bare)
	if r.code != 0 || !strings.Contains(squeeze(r.stdout), "STAGE SERVICE DEPLOYED") || !strings.Contains(r.stdout, "r7 image=carts:0.11.2 delivery: deployment") || strings.Contains(r.stdout, "UNTIL") {
		t.Errorf("status: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	wide := ferry(t, "", "status", "--repo", d.bare, "-o", "wide")
	for _, want := range []string{"RUN IN FLIGHT SINCE WAITING FOR UNTIL ACTION LAST", "r7 image=carts:0.11.2 delivery: deployment 2026-11-21T12:00:50Z", "2026-11-21T12:01:00Z"} {
		if wide.code != 0 || !strings.Contains(squeeze(wide.stdout), want) {
			t.Errorf("status -o wide lacks %q:\n%s", want, wide.stdout)
		}
	}
	want, err := status.ParseSummary([]byte(gittest.Git(t, d.bare, "show", "ferry/status:status.json")))
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"json", "yaml"} {
		r := ferry(t, "", "status", "--repo", d.bare, "-o", format)
		var got status.Summary
		decode(t, format, r.stdout, &got)
		if diff := cmp.Diff(want, &got); r.code != 0 || diff != "" {
			t.Errorf("status -o %s: exit %d, differs from status.json (-want +got):\n%s", format, r.code, diff)
		}
	}
	if r := ferry(t, "", "status", "--repo", d.bare, "-o", "xml"); r.code != 2 || !strings.Contains(r.stderr, `-o "xml": must be one of human, wide, json, yaml`) {
		t.Errorf("status -o xml: exit %d %s", r.code, r.stderr)
	}
	if r := ferry(t, "", "history", "carts", "--repo", d.bare, "-o", "wide"); r.code != 2 || !strings.Contains(r.stderr, "must be one of human, json, yaml") {
		t.Errorf("history -o wide: exit %d %s", r.code, r.stderr)
	}
}

// TestRepoDefaults reads the repository from FERRY_REPO, else from the
// origin remote of the clone ferry runs in.
func TestRepoDefaults(t *testing.T) {
	d := newDelivered(t)
	elsewhere := t.TempDir()
	if r := ferryEnv(t, elsewhere, []string{"FERRY_REPO=" + d.bare}, "status"); r.code != 0 || !strings.Contains(squeeze(r.stdout), "production carts") {
		t.Errorf("status with FERRY_REPO: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	clone := filepath.Join(t.TempDir(), "clone")
	gittest.Git(t, "", "clone", "--quiet", d.bare, clone)
	if err := os.MkdirAll(filepath.Join(clone, "services", "carts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if r := ferry(t, filepath.Join(clone, "services", "carts"), "get", "run", "dev", "carts"); r.code != 0 || !strings.Contains(squeeze(r.stdout), "In flight: r7") {
		t.Errorf("get run in a clone: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A relative origin is relative to the clone.
	rel, err := filepath.Rel(clone, d.bare)
	if err != nil {
		t.Fatal(err)
	}
	gittest.Git(t, clone, "remote", "set-url", "origin", rel)
	if r := ferry(t, clone, "problems"); r.code != 0 || !strings.Contains(r.stdout, "response_time") {
		t.Errorf("problems in a clone with a relative origin: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := ferry(t, elsewhere, "status"); r.code != 2 || !strings.Contains(r.stderr, "--repo is required: give it, set FERRY_REPO, or run ferry in a clone with an origin remote") {
		t.Errorf("status without a repository: exit %d %s", r.code, r.stderr)
	}
	mirrors, err := os.ReadDir(filepath.Join(os.Getenv("XDG_CACHE_HOME"), "ferry", "mirrors"))
	if err != nil || len(mirrors) == 0 {
		t.Errorf("no mirror kept in the cache directory: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test
// reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestStatusWatch prints the status, then again once status.json changed,
// and stops on an interrupt.
func TestStatusWatch(t *testing.T) {
	d := newDelivered(t)
	cmd := exec.Command(ferryBin, "status", "--watch", "--interval", "100ms", "--repo", d.bare)
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	tables := func() int { return strings.Count(out.String(), "STAGE ") }
	e2e.WaitFor(t, 20*time.Second, "the first table", func() bool { return tables() == 1 })
	time.Sleep(500 * time.Millisecond) // several fetches of the same status
	if n := tables(); n != 1 {
		t.Fatalf("%d tables printed while nothing changed:\n%s", n, out.String())
	}
	d.now = d.now.Add(15 * time.Second) // dev's settle time passes
	d.pass(t)
	e2e.WaitFor(t, 20*time.Second, "the second table", func() bool { return tables() == 2 })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("status --watch after an interrupt: %v\n%s", err, errb.String())
	}
	if second := out.String()[strings.LastIndex(out.String(), "STAGE "):]; !strings.Contains(second, "updated 2026-11-21T12:01:05Z") {
		t.Errorf("the second table is not the new status:\n%s", second)
	}
}

// TestMirrorInUse: while another process holds the cached mirror, a read
// waits for it, then reads through a temporary mirror; a --state-dir in use
// is an error.
func TestMirrorInUse(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the mirror lock: 10s of real time")
	}
	d := newDelivered(t)
	env := []string{"XDG_CACHE_HOME=" + t.TempDir()}
	if r := ferryEnv(t, "", env, "status", "--repo", d.bare); r.code != 0 {
		t.Fatalf("status: exit %d %s", r.code, r.stderr)
	}
	mirrors, err := filepath.Glob(filepath.Join(strings.TrimPrefix(env[0], "XDG_CACHE_HOME="), "ferry", "mirrors", "*"))
	if err != nil || len(mirrors) != 1 {
		t.Fatalf("want one cached mirror, have %v (%v)", mirrors, err)
	}
	held, err := gitstore.Open(gitstore.Options{URL: d.bare, Dir: mirrors[0]})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = held.Close() }()
	var cached, explicit result
	var wg sync.WaitGroup
	wg.Go(func() { cached = ferryEnv(t, "", env, "status", "--repo", d.bare) })
	wg.Go(func() { explicit = ferryEnv(t, "", env, "status", "--repo", d.bare, "--state-dir", mirrors[0]) })
	wg.Wait()
	if cached.code != 0 || !strings.Contains(squeeze(cached.stdout), "production carts") {
		t.Errorf("status while the cached mirror is in use: exit %d\n%s%s", cached.code, cached.stdout, cached.stderr)
	}
	if explicit.code != 1 || !strings.Contains(explicit.stderr, "another ferry (ferry run?) uses --state-dir") {
		t.Errorf("status with a --state-dir in use: exit %d %s", explicit.code, explicit.stderr)
	}
}
