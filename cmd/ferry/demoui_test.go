package main_test

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/internal/browsertest"
	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/status"
)

// getOK reads a page or API answer that must be 200.
func getOK(t *testing.T, url string) string {
	t.Helper()
	got := get(t, url)
	body, ok := strings.CutPrefix(got, "200 ")
	if !ok {
		t.Fatalf("GET %s: %.500s", url, got)
	}
	return body
}

// TestDemoUIShowsTheStory runs `ferry demo --ui` as a user would and reads
// the story back from its dashboard: carts' versions per stage, the
// staging gate's failure with its chart of response times against the
// thresholds, and the production problem closed by scaling. Then
// `ferry ui` serves the same repository on its own.
func TestDemoUIShowsTheStory(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo plays for half a minute")
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	out, stop := startFerry(t, "demo", "--ui", "--ui-listen", addr, "--dir", filepath.Join(dir, "ws"), "--no-color", "--speed", "2")
	board := "http://" + addr + "/projects/default/sockshop"
	e2e.WaitFor(t, 4*time.Minute, "the end of the story", func() bool { return strings.Contains(out.String(), "The dashboard stays open at "+board) })
	if !strings.Contains(out.String(), "the dashboard shows the story as it happens: "+board) {
		t.Errorf("the demo does not print the dashboard's address first:\n%s", out.String())
	}

	checkStoryDashboard(t, board)
	if dirs := os.Getenv("FERRY_SCREENSHOTS"); dirs != "" {
		for page, file := range map[string]string{"": "dashboard-board.png", "/services/carts": "dashboard-service.png", "/problems": "dashboard-problems.png"} {
			if err := browsertest.Screenshot(t.Context(), board+page, filepath.Join(dirs, file)); err != nil {
				t.Error(err)
			}
		}
	}
	if code := stop(); code != 0 {
		t.Fatalf("ferry demo --ui exited %d after an interrupt, want 0", code)
	}

	// ferry ui: the same repository, read by a process of its own.
	uiAddr := freeAddr(t)
	uiOut, _ := startFerry(t, "ui", "--repo", filepath.Join(dir, "ws", "sockshop.git"), "--listen", uiAddr, "--state-dir", filepath.Join(dir, "ui-state"))
	uiBoard := "http://" + uiAddr + "/projects/default/sockshop"
	e2e.WaitFor(t, 30*time.Second, "ferry ui's address", func() bool { return strings.Contains(uiOut.String(), uiBoard) })
	checkStoryDashboard(t, uiBoard)
}

// checkStoryDashboard reads the demo's story from a dashboard's board.
func checkStoryDashboard(t *testing.T, board string) {
	t.Helper()
	base, _, _ := strings.Cut(board, "/projects/")
	var sum status.Summary
	if err := json.Unmarshal([]byte(getOK(t, base+"/api/v1/projects/default/sockshop/status")), &sum); err != nil {
		t.Fatalf("status: %v", err)
	}
	deployed := map[string]string{}
	for _, st := range sum.Stages {
		for _, svc := range st.Services {
			if svc.Name == "carts" && svc.Deployed != nil {
				deployed[st.Name] = svc.Deployed.Pin
			}
		}
	}
	for stage, want := range map[string]string{"dev": "carts:0.11.2", "staging": "carts:0.11.1", "production": "carts:0.11.1"} {
		if !strings.HasSuffix(deployed[stage], want) {
			t.Errorf("the dashboard's status has carts %q in %s, want %s", deployed[stage], stage, want)
		}
	}

	page := getOK(t, board)
	dev, staging, prod := strings.Index(page, `data-stage="dev"`), strings.Index(page, `data-stage="staging"`), strings.Index(page, `data-stage="production"`)
	if dev < 0 || dev > staging || staging > prod {
		t.Errorf("the board's stages are not in shipyard order (dev %d, staging %d, production %d)", dev, staging, prod)
	}

	svc := getOK(t, board+"/services/carts")
	for _, want := range []string{`data-chart="chart-staging-response-time-p95"`, "fail", "pass ", "warning "} {
		if !strings.Contains(svc, want) {
			t.Errorf("carts' page lacks %q", want)
		}
	}
	problems := getOK(t, board+"/problems")
	for _, want := range []string{"closed", "replicaCount"} {
		if !strings.Contains(problems, want) {
			t.Errorf("the problems page lacks %q", want)
		}
	}
}

// A busy dashboard address fails the demo before it makes anything, so
// the same command works again on another address.
func TestDemoUIBusyAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	ws := filepath.Join(t.TempDir(), "ws")
	res := ferry(t, "", "demo", "--ui", "--ui-listen", ln.Addr().String(), "--dir", ws, "--no-color")
	if res.code == 0 || !strings.Contains(res.stderr, "listen for the dashboard") {
		t.Errorf("ferry demo --ui on a busy address: exit %d\n%s", res.code, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(ws, "sockshop.git")); !os.IsNotExist(err) {
		t.Errorf("the repository was seeded before the address was checked: %v", err)
	}
}

// A local path with no repository is named as such, not as a refused
// permission.
func TestUIMissingRepository(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.git")
	for _, args := range [][]string{{"ui", "--repo", missing}, {"status", "--repo", "file://" + missing}} {
		res := ferry(t, "", args...)
		if res.code != 1 || !strings.Contains(res.stderr, "no Git repository at "+missing) {
			t.Errorf("ferry %s: exit %d\n%s", strings.Join(args, " "), res.code, res.stderr)
		}
	}
}
