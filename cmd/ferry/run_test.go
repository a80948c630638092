package main_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/internal/gittest"
)

// TestRunPromotesABumpEndToEnd runs ferry run as a process against a real
// Git server and an embedded Prometheus, as a user would.
func TestRunPromotesABumpEndToEnd(t *testing.T) {
	prom := e2e.HealthyPrometheus(t)

	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "testdata/fast.txtar")
	_, url := gittest.NewHTTPServer(t, bare, nil)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "report-token"), "rep0rt\n")
	write(t, filepath.Join(dir, "webhook-secret"), "h00k\n")
	addr := freeAddr(t)
	cmd := exec.Command(ferryBin, "run", "--repo", url, "--state-dir", filepath.Join(dir, "state"),
		"--prometheus-url", prom.URL, "--listen", addr, "--poll-interval", "5s",
		"--report-token-file", filepath.Join(dir, "report-token"), "--webhook-secret-file", filepath.Join(dir, "webhook-secret"))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("ferry run log:\n%s", logs.String())
		}
	}()
	base := "http://" + addr
	e2e.WaitFor(t, 60*time.Second, "carts 0.11.1 in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.1" })

	// CI bumps carts; the push webhook wakes ferry at once.
	gittest.CommitFiles(t, bare, "main", "bump carts", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: carts:0.11.2\n")})
	body := []byte(`{"ref":"refs/heads/main"}`)
	if code := post(t, base+"/hooks/git", body, map[string]string{"X-Hub-Signature-256": "sha256=" + sign("h00k", body)}); code != http.StatusAccepted {
		t.Errorf("signed webhook: %d", code)
	}
	if code := post(t, base+"/hooks/git", body, map[string]string{"X-Hub-Signature-256": "sha256=" + sign("wrong", body)}); code != http.StatusUnauthorized {
		t.Errorf("badly signed webhook: %d", code)
	}
	e2e.WaitFor(t, 60*time.Second, "carts 0.11.2 in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.2" })

	// Reports need the token, and are recorded in Git before the answer.
	report := []byte(`{"kind":"deployed","stage":"production","service":"carts","commit":"` + gittest.Git(t, bare, "rev-parse", "stage/production") + `"}`)
	if code := post(t, base+"/api/v1/reports", report, map[string]string{"Authorization": "Bearer nope"}); code != http.StatusUnauthorized {
		t.Errorf("report with a wrong token: %d", code)
	}
	if code := post(t, base+"/api/v1/reports", report, map[string]string{"Authorization": "Bearer rep0rt"}); code != http.StatusAccepted {
		t.Errorf("report: %d", code)
	}
	if log := gittest.Git(t, bare, "log", "--format=%s", "ferry/status"); !strings.Contains(log, "report: deployed") {
		t.Errorf("the report is not in ferry/status:\n%s", log)
	}
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ok", "/metrics": "ferry_reconciler_pass_duration_seconds"} {
		if got := get(t, base+path); !strings.Contains(got, want) {
			t.Errorf("%s lacks %q:\n%.300s", path, want, got)
		}
	}

	// The dashboard is served beside the endpoints, read from the same mirror.
	name := strings.TrimSuffix(path.Base(url), ".git")
	if page := get(t, base+"/projects/default/"+name); !strings.HasPrefix(page, "200 ") || !strings.Contains(page, "image=carts:0.11.2") {
		t.Errorf("the dashboard's board of default/%s:\n%.500s", name, page)
	}
	if got := get(t, base+"/api/v1/projects/default/"+name+"/services/carts/history?stage=production"); !strings.Contains(got, "deploy carts image=carts:0.11.2 to production") {
		t.Errorf("the read API's history of carts:\n%.500s", got)
	}

	st := ferry(t, "", "status", "--repo", url)
	if st.code != 0 || !strings.Contains(st.stdout, "production  carts") || !strings.Contains(st.stdout, "image=carts:0.11.2") {
		t.Errorf("ferry status: exit %d\n%s%s", st.code, st.stdout, st.stderr)
	}
	hist := ferry(t, "", "history", "carts", "--repo", url, "--stage", "production")
	if hist.code != 0 || strings.Count(hist.stdout, "deployment") != 2 || !strings.Contains(hist.stdout, "deploy carts image=carts:0.11.2 to production") {
		t.Errorf("ferry history: exit %d\n%s%s", hist.code, hist.stdout, hist.stderr)
	}
	staging := ferry(t, "", "history", "carts", "--repo", url, "--stage", "staging", "-o", "json")
	if !strings.Contains(staging.stdout, `"verdict": "pass 100"`) {
		t.Errorf("ferry history shows no verdict for staging:\n%s", staging.stdout)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ferry run after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("ferry run did not stop on SIGTERM")
	}
}

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func post(tb testing.TB, url string, body []byte, headers map[string]string) int {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func get(tb testing.TB, url string) string {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, b.String())
}

func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}
